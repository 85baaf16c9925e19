package conformance

import (
	"bytes"
	"io"
	"mime"
	"strings"

	"github.com/appmaker/refresh-conformance/spec"
)

// ValidateRequest checks a request against the document the way Validate checks an
// answer: it carries a credential one of op's security alternatives asks for, its content
// type is declared for the request body, and its parameters and body are valid for their
// schemas. The body judged is ex.RequestBody; ex.Request's own body is not read. It
// returns nil or a *Failure. The validation proxy judges an app's requests with it.
func ValidateRequest(doc *spec.Spec, op *spec.Operation, ex *Exchange, r *Redactor) error {
	req := *ex.Request
	req.Body = io.NopCloser(bytes.NewReader(ex.RequestBody))
	req.ContentLength = int64(len(ex.RequestBody))
	if errs := doc.ValidateSecurity(&req, op); len(errs) > 0 {
		return newFailure(r, ex, "the request carries a credential the operation's security asks for",
			securityLocation(op), "sent %s", describe(errs))
	}
	got := ex.Request.Header.Get("Content-Type")
	if declared := op.RequestMediaTypes(); len(declared) > 0 && (len(ex.RequestBody) > 0 || op.RequestBodyRequired()) &&
		!mediaTypeIn(got, declared) {
		if got == "" {
			got = "no Content-Type"
		}
		return newFailure(r, ex, "the content type is declared for the request body",
			OperationLocation(op)+".requestBody.content", "sent %s; declared: %s", got, strings.Join(declared, ", "))
	}
	errs := doc.ValidateInput(&req, op)
	if len(errs) == 0 {
		return nil
	}
	location := OperationLocation(op) + ".parameters"
	for _, e := range errs {
		if e.ValidationType == "requestBody" || e.ValidationType == "request" {
			location = OperationLocation(op) + ".requestBody.content"
			if mt, _, err := mime.ParseMediaType(got); err == nil {
				location += "." + mt + ".schema"
			}
			break
		}
	}
	return newFailure(r, ex, "the request is valid for its schema", location,
		"sent %s: %s", snippet(r, ex.RequestBody), describe(errs))
}

func securityLocation(op *spec.Operation) string {
	if op.DeclaresSecurity() {
		return OperationLocation(op) + ".security"
	}
	return "security"
}

// CheckRefreshAnswer judges a 201 to a refresh beyond its schema: both tokens are
// non-empty strings and the access token is a signed JWT (the document's bearerFormat).
// It returns the pair, or a *Failure.
func CheckRefreshAnswer(ex *Exchange, r *Redactor) (spec.TokenPair, error) {
	pair, problem := tokenPair(ex.Body)
	if problem != "" {
		// The document's 201 schema has no type, so the validator lets e.g. [] through.
		return spec.TokenPair{}, newFailure(r, ex, "a valid refresh answers both tokens as non-empty strings",
			"components.responses.RefreshTokenResponse", "answered 201 but %s", problem)
	}
	if err := CheckJWT(pair.AccessToken); err != nil {
		return spec.TokenPair{}, newFailure(r, ex, "the access token is a signed JWT",
			"components.securitySchemes.bearerAuth.bearerFormat", "the access token answered is not: %v", err)
	}
	return pair, nil
}
