package mock

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/appmaker/refresh-conformance/mock/answer"
	"github.com/appmaker/refresh-conformance/spec"
)

// headerPrefer is the request header Prism reads to pick an answer; the mock reads it the
// same way: "Prefer: code=401", "Prefer: code=200, example=cat", "Prefer: dynamic=true".
const headerPrefer = "Prefer"

// preference is what a Prefer header asks for; the zero value asks for nothing.
type preference struct {
	code    int
	example string
	dynamic bool
	applied []string // for the Preference-Applied header (RFC 7240 §3)
}

// parsePrefer reads every Prefer header. RFC 7240 §2: preferences are separated by
// commas, parameters by semicolons, and a server ignores preferences it does not know.
func parsePrefer(values []string) (preference, []string) {
	var p preference
	var problems []string
	for _, v := range values {
		for _, item := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' }) {
			key, val, _ := strings.Cut(strings.TrimSpace(item), "=")
			key, val = strings.ToLower(strings.TrimSpace(key)), strings.Trim(strings.TrimSpace(val), `"`)
			switch key {
			case "code":
				code, err := strconv.Atoi(val)
				if err != nil || code < 100 || code > 599 {
					problems = append(problems, fmt.Sprintf("code=%s is not an HTTP status; write e.g. code=401", val))
					continue
				}
				p.code = code
				p.applied = append(p.applied, "code="+val)
			case "example":
				p.example = val
				p.applied = append(p.applied, "example="+val)
			case "dynamic":
				p.dynamic = strings.EqualFold(val, "true")
				p.applied = append(p.applied, "dynamic="+strconv.FormatBool(p.dynamic))
			}
		}
	}
	return p, problems
}

// preference reads and checks the request's Prefer header against op; a problem is
// answered 400 with the field "Prefer", naming what op declares.
func (s *Server) preference(r *http.Request, op *spec.Operation) (preference, error) {
	values := r.Header[headerPrefer]
	if len(values) == 0 {
		return preference{}, nil
	}
	p, problems := parsePrefer(values)
	if p.code != 0 && !op.DeclaresStatus(p.code) {
		problems = append(problems, fmt.Sprintf("code=%d is not declared for %s (%s); declared: %s",
			p.code, operationName(op), op, strings.Join(op.Statuses(), ", ")))
	}
	if p.example != "" && len(problems) == 0 {
		status := p.code
		if status == 0 {
			status = successStatus(op)
		}
		if names := answer.ExampleNames(op, status); !contains(names, p.example) {
			problems = append(problems, fmt.Sprintf("example=%s is not an example of the %d answer of %s; its examples: %s",
				p.example, status, operationName(op), listOrNone(names)))
		}
	}
	if len(problems) > 0 {
		return preference{}, &ValidationFailure{Fields: map[string][]string{headerPrefer: problems}}
	}
	if len(p.applied) > 0 {
		note(r.Context(), func(v *verdict) { v.fault = "Prefer: " + strings.Join(p.applied, ", ") })
	}
	return p, nil
}

// successStatus is the answer of an operation when nothing else is asked for: its lowest
// declared 2xx, as Prism picks it.
func successStatus(op *spec.Operation) int {
	best := 0
	for _, key := range op.Statuses() {
		code, err := strconv.Atoi(key)
		if key == "2XX" {
			code, err = http.StatusOK, nil
		}
		if err == nil && code >= 200 && code < 300 && (best == 0 || code < best) {
			best = code
		}
	}
	if best != 0 {
		return best
	}
	for _, key := range op.Statuses() {
		if code, err := strconv.Atoi(key); err == nil {
			return code
		}
	}
	return http.StatusOK
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
