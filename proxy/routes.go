package proxy

import (
	"strings"

	"github.com/appmaker/refresh-conformance/spec"
)

// route is one operation of the document with its path template cut into segments.
type route struct {
	op       *spec.Operation
	segments []string
}

func newRoutes(doc *spec.Spec) []route {
	ops := doc.Operations()
	routes := make([]route, 0, len(ops))
	for _, op := range ops {
		routes = append(routes, route{op: op, segments: strings.Split(strings.TrimPrefix(op.Path, "/"), "/")})
	}
	return routes
}

// match finds the operation of method on path, a path under base (the upstream's base
// path); nil when the document declares none, and the exchange then passes unjudged.
func match(routes []route, base, method, path string) *spec.Operation {
	rest, ok := strings.CutPrefix(path, base)
	if !ok || !strings.HasPrefix(rest, "/") {
		return nil
	}
	rest = rest[1:]
	for _, r := range routes {
		if r.op.Method == method && r.matches(rest) {
			return r.op
		}
	}
	return nil
}

// matches walks path (without its leading slash) segment by segment; a template
// segment "{name}" matches any non-empty segment.
func (r route) matches(path string) bool {
	rest := path
	for i, t := range r.segments {
		seg, after, more := strings.Cut(rest, "/")
		if more != (i < len(r.segments)-1) {
			return false
		}
		rest = after
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			if seg == "" {
				return false
			}
			continue
		}
		if t != seg {
			return false
		}
	}
	return true
}
