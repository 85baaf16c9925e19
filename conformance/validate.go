package conformance

import (
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/appmaker/refresh-conformance/spec"
)

// Failure is a broken rule. Its Error is one line naming the rule, where the rule comes
// from (a place in the spec or an RFC section) and what was seen, every secret redacted.
type Failure struct {
	Rule     string // what must hold: "the status is declared for the operation"
	Location string // where it is written: "paths./auth/refresh-token.post.responses"
	Seen     string // what the server did instead
	exchange *Exchange
}

func (f *Failure) Error() string { return fmt.Sprintf("%s [%s]: %s", f.Rule, f.Location, f.Seen) }

// Exchange is the request and answer that broke the rule; nil when none did.
func (f *Failure) Exchange() *Exchange { return f.exchange }

func newFailure(r *Redactor, ex *Exchange, rule, location, format string, args ...any) *Failure {
	return &Failure{Rule: rule, Location: location, Seen: r.Redact(fmt.Sprintf(format, args...)), exchange: ex}
}

// OperationLocation is where op is written in the document: "paths./auth/refresh-token.post".
func OperationLocation(op *spec.Operation) string {
	return "paths." + op.Path + "." + strings.ToLower(op.Method)
}

// Validate checks an answer against the document before any spec-specific rule: it is
// not a 5xx, its status is declared for op, its content type is declared for that status
// and its body is valid for that schema. It returns nil or a *Failure.
func Validate(doc *spec.Spec, op *spec.Operation, ex *Exchange, r *Redactor) error {
	responses := OperationLocation(op) + ".responses"
	resp := ex.Response
	if resp.StatusCode >= 500 {
		return newFailure(r, ex, "no answer is a server error (5xx)", responses,
			"answered %s with %s", resp.Status, snippet(r, ex.Body))
	}
	key, declared := op.StatusKey(resp.StatusCode)
	if !declared {
		return newFailure(r, ex, "the status is declared for the operation", responses,
			"answered %s; declared: %s", resp.Status, strings.Join(op.Statuses(), ", "))
	}
	content := fmt.Sprintf("%s.%s.content", responses, key)
	mediaTypes := op.ResponseMediaTypes(resp.StatusCode)
	got := resp.Header.Get("Content-Type")
	if len(mediaTypes) > 0 && !mediaTypeIn(got, mediaTypes) {
		if got == "" {
			got = "no Content-Type"
		}
		return newFailure(r, ex, "the content type is declared for the status", content,
			"answered %s with %s; declared: %s", resp.Status, got, strings.Join(mediaTypes, ", "))
	}
	if errs := doc.ValidateResponse(ex.Request, op, resp); len(errs) > 0 {
		location := content
		if mt, _, err := mime.ParseMediaType(got); err == nil {
			location = fmt.Sprintf("%s.%s.schema", content, mt)
		}
		return newFailure(r, ex, "the body is valid for its schema", location,
			"answered %s with %s: %s", resp.Status, snippet(r, ex.Body), describe(errs))
	}
	return nil
}

func mediaTypeIn(contentType string, declared []string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	for _, d := range declared {
		if strings.EqualFold(d, mt) || d == "*/*" ||
			(strings.HasSuffix(d, "/*") && strings.HasPrefix(mt, strings.ToLower(strings.TrimSuffix(d, "*")))) {
			return true
		}
	}
	return false
}

// describe turns the validator's findings into one line: each problem's message and
// the schema's own reasons, e.g. "missing property 'refreshToken'".
func describe(errs []*spec.ValidationError) string {
	var parts []string
	for _, e := range errs {
		var reasons []string
		for _, f := range e.SchemaValidationErrors {
			reason := f.Reason
			if path := strings.Join(f.InstancePath, "."); path != "" {
				reason = path + ": " + reason
			}
			reasons = append(reasons, reason)
		}
		if len(reasons) == 0 && e.Reason != "" {
			reasons = append(reasons, e.Reason)
		}
		part := e.Message
		if len(reasons) > 0 {
			part += " (" + strings.Join(reasons, "; ") + ")"
		}
		parts = append(parts, part)
	}
	return oneLine(strings.Join(parts, "; "))
}

// snippet shows a body in one short line, redacted before it is cut so that no part
// of a secret survives.
func snippet(r *Redactor, body []byte) string {
	if len(body) == 0 {
		return "an empty body"
	}
	s := oneLine(r.Redact(string(body)))
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return "body " + s
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// statusIs returns a Failure unless ex answered want.
func statusIs(r *Redactor, ex *Exchange, want int, rule, location string) error {
	if ex.Response.StatusCode == want {
		return nil
	}
	return newFailure(r, ex, rule, location, "answered %s with %s; want %d %s",
		ex.Response.Status, snippet(r, ex.Body), want, http.StatusText(want))
}
