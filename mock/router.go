package mock

import (
	"net/http"
	"sort"
	"strings"
)

// router matches paths against templates ("/api/v1/sessions/{id}") and answers a path
// it knows with the wrong method itself, with 405 and Allow. It does not clean paths:
// "/a/../b" is simply not a path the document declares.
type router struct {
	routes []*route
}

type route struct {
	segments []string
	methods  map[string]http.HandlerFunc
	allow    string
}

func splitPath(p string) []string { return strings.Split(strings.TrimPrefix(p, "/"), "/") }

func (rt *router) handle(method, template string, h http.HandlerFunc) {
	segs := splitPath(template)
	var target *route
	for _, r := range rt.routes {
		if equalSegments(r.segments, segs) {
			target = r
		}
	}
	if target == nil {
		target = &route{segments: segs, methods: map[string]http.HandlerFunc{}}
		rt.routes = append(rt.routes, target)
	}
	target.methods[method] = h
	allow := make([]string, 0, len(target.methods))
	for m := range target.methods {
		allow = append(allow, m)
	}
	sort.Strings(allow)
	target.allow = strings.Join(allow, ", ")
}

func equalSegments(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// match finds the route of path, setting its template parameters on r.
func (rt *router) match(r *http.Request) *route {
	path := strings.TrimPrefix(r.URL.Path, "/")
	for _, candidate := range rt.routes {
		if params, ok := candidate.matches(path); ok {
			for name, v := range params {
				r.SetPathValue(name, v)
			}
			return candidate
		}
	}
	return nil
}

// matches walks path (without its leading slash) segment by segment, as splitPath would
// cut it, without allocating the segments: match runs on every request.
func (r *route) matches(path string) (map[string]string, bool) {
	var params map[string]string
	rest := path
	for i, t := range r.segments {
		seg, after, more := strings.Cut(rest, "/")
		if more != (i < len(r.segments)-1) {
			return nil, false // more or fewer segments than the template
		}
		rest = after
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			if seg == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[t[1:len(t)-1]] = seg
			continue
		}
		if t != seg {
			return nil, false
		}
	}
	return params, true
}
