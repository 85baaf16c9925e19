package mock

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/appmaker/refresh-conformance/spec"
)

// Field keys of a 400 answer for problems that are not about one property.
const (
	fieldBody        = "body"
	fieldContentType = "Content-Type"
)

var (
	missingProps = regexp.MustCompile(`'([^']+)'`)
	gotWant      = regexp.MustCompile(`^got (\w+), want (\w+)$`)
)

// validationFailure turns libopenapi-validator's findings into a 400 body a person can act on.
func validationFailure(op *spec.Operation, errs []*spec.ValidationError) *ValidationFailure {
	vf := &ValidationFailure{Fields: map[string][]string{}}
	add := func(field, msg string) { vf.Fields[field] = append(vf.Fields[field], msg) }
	for _, e := range errs {
		switch {
		case e.ValidationSubType == "contentType":
			add(fieldContentType, fmt.Sprintf("must be %s", strings.Join(op.RequestMediaTypes(), " or ")))
		case strings.Contains(e.Reason, "body is empty"):
			add(fieldBody, fmt.Sprintf("is missing: send a %s body", strings.Join(op.RequestMediaTypes(), " or ")))
		case strings.Contains(e.Message, "could not be decoded"):
			add(fieldBody, "is not valid JSON: "+decodeDetail(e.Reason))
		case e.ParameterName != "" && len(e.SchemaValidationErrors) > 0:
			for _, f := range e.SchemaValidationErrors {
				add(e.ParameterName, e.Message+": "+f.Reason)
			}
		case e.ParameterName != "":
			add(e.ParameterName, e.Message)
		case len(e.SchemaValidationErrors) > 0:
			for _, f := range e.SchemaValidationErrors {
				schemaFailure(f.InstancePath, f.KeywordLocation, f.Reason, add)
			}
		default:
			add(fieldBody, e.Message)
		}
	}
	return vf
}

func schemaFailure(instance []string, keyword, reason string, add func(field, msg string)) {
	prefix := strings.Join(instance, ".")
	if strings.HasSuffix(keyword, "/required") {
		for _, m := range missingProps.FindAllStringSubmatch(reason, -1) {
			add(join(prefix, m[1]), "is required")
		}
		return
	}
	field := prefix
	if field == "" {
		field = fieldBody
	}
	if m := gotWant.FindStringSubmatch(reason); m != nil {
		if field == fieldBody {
			add(field, fmt.Sprintf("must be a JSON %s, got %s", m[2], m[1]))
			return
		}
		add(field, fmt.Sprintf("must be a %s, got %s", m[2], m[1]))
		return
	}
	add(field, reason)
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// decodeDetail keeps the decoder's own words ("unexpected EOF") and drops the validator's preamble.
func decodeDetail(reason string) string {
	if i := strings.LastIndex(reason, "application/json: "); i >= 0 {
		reason = reason[i+len("application/json: "):]
	}
	return strings.TrimPrefix(reason, "json: ")
}

// validationStatus is the status a request op rejects is answered with: 400 (what the
// refresh answers), else 422 (Prism's choice), else 404 when only path parameters are
// wrong (no such resource), else 400 even though op does not declare it: there is no
// honest alternative.
func validationStatus(op *spec.Operation, vf *ValidationFailure) int {
	for _, status := range []int{http.StatusBadRequest, http.StatusUnprocessableEntity} {
		if op.DeclaresStatus(status) {
			return status
		}
	}
	if op.DeclaresStatus(http.StatusNotFound) && onlyPathParameters(op, vf) {
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

func onlyPathParameters(op *spec.Operation, vf *ValidationFailure) bool {
	inPath := map[string]bool{}
	for _, p := range op.Parameters() {
		if p.In == "path" {
			inPath[p.Name] = true
		}
	}
	for field := range vf.Fields {
		if !inPath[field] {
			return false
		}
	}
	return len(vf.Fields) > 0
}
