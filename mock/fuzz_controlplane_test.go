package mock_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzControlPlane sends arbitrary methods, paths and bodies to /__mock/: every answer is
// below 500 with a JSON body, and the mock logs no error.
func FuzzControlPlane(f *testing.F) {
	_, srv, failures := fuzzMock(f, 6)
	for _, seed := range []struct{ method, path, body string }{
		{http.MethodPost, "sessions", `{"sub":"user-1","org":"org-1"}`},
		{http.MethodGet, "sessions", ``},
		{http.MethodGet, "sessions/x", ``},
		{http.MethodDelete, "sessions/x", ``},
		{http.MethodPost, "sessions/x/expire", `{"what":"refresh"}`},
		{http.MethodPost, "clock", `{"advance":"15m"}`},
		{http.MethodPost, "clock", `{"offset":"-30s"}`},
		{http.MethodPost, "faults", `{"operation":"refreshToken","count":1,"status":401,"code":"refresh_token_expired"}`},
		{http.MethodPost, "faults", `{"latency":"1ms","count":2}`},
		{http.MethodDelete, "faults", ``},
		{http.MethodGet, "events?since=3", ``},
		{http.MethodPost, "reset", ``},
		{http.MethodGet, "openapi.json", ``},
	} {
		f.Add(seed.method, seed.path, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, method, path string, body []byte) {
		if strings.Contains(strings.ToLower(path), "follow") {
			t.Skip("an event stream does not end by itself")
		}
		req, err := http.NewRequest(method, "http://mock/__mock/"+path, strings.NewReader(string(body)))
		if err != nil {
			t.Skip("not a request a client can send")
		}
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s /__mock/%s: %d %s", method, path, rec.Code, rec.Body)
		}
		if method != http.MethodHead && rec.Body.Len() > 0 && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s /__mock/%s: %d with a body that is not JSON: %q", method, path, rec.Code, rec.Body)
		}
		if failures.String() != "" {
			t.Fatalf("%s /__mock/%s: the mock logged an error: %s", method, path, failures.String())
		}
	})
}
