package mock

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// matchesBySplit is the reference for route.matches: the path cut into all its
// segments first, as the router once did.
func matchesBySplit(r *route, path string) (map[string]string, bool) {
	segs := splitPath(path)
	if len(segs) != len(r.segments) {
		return nil, false
	}
	params := map[string]string{}
	for i, t := range r.segments {
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			if segs[i] == "" {
				return nil, false
			}
			params[t[1:len(t)-1]] = segs[i]
		} else if t != segs[i] {
			return nil, false
		}
	}
	return params, true
}

func TestRouterMatchesAsSplittingThePath(t *testing.T) {
	templates := []string{"/", "/healthz", "/api/v1/auth/refresh-token", "/api/v1/projects/{id}",
		"/__mock/sessions/{id}/revoke", "/{a}/{b}", "/a/"}
	paths := []string{"", "/", "//", "/healthz", "/healthz/", "/api/v1/auth/refresh-token",
		"/api/v1/auth/refresh-token/", "/api/v1/auth", "/api/v1/projects/3", "/api/v1/projects/",
		"/api/v1/projects/3/4", "/__mock/sessions/abc/revoke", "/__mock/sessions//revoke", "/x/y",
		"/x/", "/a/", "/a", "/a//", "api/v1/projects/3"}
	for _, tmpl := range templates {
		var rt router
		rt.handle(http.MethodGet, tmpl, func(http.ResponseWriter, *http.Request) {})
		route := rt.routes[0]
		for _, p := range paths {
			wantParams, want := matchesBySplit(route, p)
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.URL.Path = p
			got := rt.match(r) != nil
			if got != want {
				t.Errorf("template %q, path %q: matched %v, want %v", tmpl, p, got, want)
				continue
			}
			for name, v := range wantParams {
				if r.PathValue(name) != v {
					t.Errorf("template %q, path %q: %s = %q, want %q", tmpl, p, name, r.PathValue(name), v)
				}
			}
		}
	}
}
