package spec

import (
	"bytes"
	"io"
	"net/http"

	verrors "github.com/pb33f/libopenapi-validator/errors"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// ValidationError is libopenapi-validator's report of one problem.
type ValidationError = verrors.ValidationError

// Validation types of the problems Spec adds itself, on top of libopenapi-validator's.
const (
	TypeResponse    = "response"
	SubTypeEmpty    = "emptyBody"
	SubTypeSecurity = "security"
)

// ValidateSecurity checks that r carries what one of op's security requirements asks
// for (presence and scheme only: the document cannot say which tokens are good).
func (s *Spec) ValidateSecurity(r *http.Request, op *Operation) []*ValidationError {
	_, errs := s.validator.GetParameterValidator().ValidateSecurityWithPathItem(r, op.item, op.Path)
	return errs
}

// ValidateInput checks r's parameters (path, query, header, cookie) and body against
// op with libopenapi-validator, but not its security. r.Body is left readable.
//
// A location op declares no parameter in is not asked about: the validator finds nothing
// to check there (it is not run in strict mode), but asking costs a route lookup per
// location on every request the mock serves.
func (s *Spec) ValidateInput(r *http.Request, op *Operation) []*ValidationError {
	pv := s.validator.GetParameterValidator()
	var errs []*ValidationError
	for _, c := range []struct {
		in    string
		check func(*http.Request, *v3.PathItem, string) (bool, []*ValidationError)
	}{
		{"path", pv.ValidatePathParamsWithPathItem},
		{"query", pv.ValidateQueryParamsWithPathItem},
		{"header", pv.ValidateHeaderParamsWithPathItem},
		{"cookie", pv.ValidateCookieParamsWithPathItem},
	} {
		if !op.declaresParameterIn(c.in) {
			continue
		}
		if ok, e := c.check(r, op.item, op.Path); !ok {
			errs = append(errs, e...)
		}
	}
	if ok, e := s.validator.GetRequestBodyValidator().ValidateRequestBodyWithPathItem(r, op.item, op.Path); !ok {
		errs = append(errs, e...)
	}
	return errs
}

func (o *Operation) declaresParameterIn(in string) bool {
	for _, p := range o.parameters {
		if p != nil && p.In == in {
			return true
		}
	}
	return false
}

// ValidateResponse checks resp against op: the status is declared, the content type is
// declared for it, and the body is valid for its schema. A body that is empty where the
// document declares content is reported too (libopenapi-validator lets it pass).
// resp.Body is left readable.
func (s *Spec) ValidateResponse(r *http.Request, op *Operation, resp *http.Response) []*ValidationError {
	var body []byte
	if resp.Body != nil {
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	_, errs := s.validator.GetResponseBodyValidator().ValidateResponseBodyWithPathItem(r, resp, op.item, op.Path)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if len(errs) == 0 && len(bytes.TrimSpace(body)) == 0 && r.Method != http.MethodHead &&
		len(op.ResponseMediaTypes(resp.StatusCode)) > 0 {
		errs = append(errs, &ValidationError{
			ValidationType:    TypeResponse,
			ValidationSubType: SubTypeEmpty,
			Message:           "the " + http.StatusText(resp.StatusCode) + " response body is empty but the document declares content for it",
			Reason:            "an empty body is not a JSON value, so it cannot be valid for the declared schema",
		})
	}
	return errs
}
