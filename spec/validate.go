package spec

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	verrors "github.com/pb33f/libopenapi-validator/errors"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// ValidationError is one problem libopenapi-validator (or Spec itself) found, copied into
// plain fields: the validator's own type mentions libopenapi's types, and an alias of it
// would make every importer of spec pay for compiling them (see the package doc).
type ValidationError struct {
	Message           string
	Reason            string
	ValidationType    string // "parameter", "requestBody", "response", "security"...
	ValidationSubType string // "contentType", "emptyBody"...
	ParameterName     string // the parameter a parameter problem is about
	SpecLine, SpecCol int    // where in the document the rule is, when the validator knows
	// SchemaValidationErrors are the schema's own reasons for a body or parameter problem.
	SchemaValidationErrors []*SchemaValidationFailure
}

// SchemaValidationFailure is one reason a value is not valid for its schema.
type SchemaValidationFailure struct {
	Reason          string
	InstancePath    []string // the path to the value in the body: ["user", "name"]
	FieldPath       string   // the same as a JSONPath: "$.user.name"
	KeywordLocation string   // the schema keyword that failed: "/properties/user/required"
}

// Error reads as libopenapi-validator's own ValidationError.Error does.
func (v *ValidationError) Error() string {
	var detail string
	if v.SchemaValidationErrors != nil {
		detail = fmt.Sprintf(", Validation Errors: %s", v.SchemaValidationErrors)
	}
	if v.SpecLine > 0 && v.SpecCol > 0 {
		detail += fmt.Sprintf(", Line: %d, Column: %d", v.SpecLine, v.SpecCol)
	}
	return fmt.Sprintf("Error: %s, Reason: %s%s", v.Message, v.Reason, detail)
}

func (s *SchemaValidationFailure) Error() string {
	if s.FieldPath != "" {
		return fmt.Sprintf("Reason: %s, FieldPath: %s", s.Reason, s.FieldPath)
	}
	return fmt.Sprintf("Reason: %s", s.Reason)
}

// validationErrors copies the validator's findings into spec's own type.
func validationErrors(errs []*verrors.ValidationError) []*ValidationError {
	if len(errs) == 0 {
		return nil
	}
	out := make([]*ValidationError, len(errs))
	for i, e := range errs {
		out[i] = &ValidationError{Message: e.Message, Reason: e.Reason, ValidationType: e.ValidationType,
			ValidationSubType: e.ValidationSubType, ParameterName: e.ParameterName, SpecLine: e.SpecLine, SpecCol: e.SpecCol}
		for _, f := range e.SchemaValidationErrors {
			if f != nil {
				out[i].SchemaValidationErrors = append(out[i].SchemaValidationErrors, &SchemaValidationFailure{
					Reason: f.Reason, InstancePath: f.InstancePath, FieldPath: f.FieldPath, KeywordLocation: f.KeywordLocation})
			}
		}
	}
	return out
}

// Validation types of the problems Spec adds itself, on top of libopenapi-validator's.
const (
	TypeResponse    = "response"
	SubTypeEmpty    = "emptyBody"
	SubTypeSecurity = "security"
)

// ValidateSecurity checks that r carries what one of op's security requirements asks
// for (presence and scheme only: the document cannot say which tokens are good).
func (s *Spec) ValidateSecurity(r *http.Request, op *Operation) []*ValidationError {
	return s.lib.validateSecurity(r, op)
}

func (lib *library) validateSecurity(r *http.Request, op *Operation) []*ValidationError {
	_, errs := lib.validator.GetParameterValidator().ValidateSecurityWithPathItem(r, modelOf(op).item, op.Path)
	return validationErrors(errs)
}

// ValidateInput checks r's parameters (path, query, header, cookie) and body against
// op with libopenapi-validator, but not its security. r.Body is left readable.
//
// A location op declares no parameter in is not asked about: the validator finds nothing
// to check there (it is not run in strict mode), but asking costs a route lookup per
// location on every request the mock serves.
func (s *Spec) ValidateInput(r *http.Request, op *Operation) []*ValidationError {
	return s.lib.validateInput(r, op)
}

func (lib *library) validateInput(r *http.Request, op *Operation) []*ValidationError {
	pv := lib.validator.GetParameterValidator()
	item := modelOf(op).item
	var errs []*verrors.ValidationError
	for _, c := range []struct {
		in    string
		check func(*http.Request, *v3.PathItem, string) (bool, []*verrors.ValidationError)
	}{
		{"path", pv.ValidatePathParamsWithPathItem},
		{"query", pv.ValidateQueryParamsWithPathItem},
		{"header", pv.ValidateHeaderParamsWithPathItem},
		{"cookie", pv.ValidateCookieParamsWithPathItem},
	} {
		if !op.declaresParameterIn(c.in) {
			continue
		}
		if ok, e := c.check(r, item, op.Path); !ok {
			errs = append(errs, e...)
		}
	}
	if ok, e := lib.validator.GetRequestBodyValidator().ValidateRequestBodyWithPathItem(r, item, op.Path); !ok {
		errs = append(errs, e...)
	}
	return validationErrors(errs)
}

func (o *Operation) declaresParameterIn(in string) bool {
	for _, p := range o.parameters {
		if p.In == in {
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
	return s.lib.validateResponse(r, op, resp)
}

func (lib *library) validateResponse(r *http.Request, op *Operation, resp *http.Response) []*ValidationError {
	var body []byte
	if resp.Body != nil {
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	_, found := lib.validator.GetResponseBodyValidator().ValidateResponseBodyWithPathItem(r, resp, modelOf(op).item, op.Path)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	errs := validationErrors(found)
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
