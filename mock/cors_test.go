package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/appmaker/refresh-conformance/mock"
)

func (h *harness) preflight(origin, requestHeaders string) answer {
	h.t.Helper()
	req := h.request("", "", "Origin", origin, "Access-Control-Request-Method", "POST")
	req.Method = http.MethodOptions
	if requestHeaders != "" {
		req.Header.Set("Access-Control-Request-Headers", requestHeaders)
	}
	return h.do(req)
}

// An app's own headers (tracing, tenant) pass the preflight from an allowed origin.
func TestCORSReflectsTheRequestedHeaders(t *testing.T) {
	h := newHarness(t, mock.WithCORSOrigins([]string{"https://app.example"}))
	a := h.preflight("https://app.example", "authorization, X-Tenant-Id,traceparent, content-type")
	allow := a.header.Get("Access-Control-Allow-Headers")
	for _, want := range []string{"Authorization", "x-access-token", "Content-Type", "X-Tenant-Id", "traceparent"} {
		if !strings.Contains(allow, want) {
			t.Errorf("Access-Control-Allow-Headers %q lacks %s", allow, want)
		}
	}
	if strings.Count(strings.ToLower(allow), "authorization") != 1 {
		t.Errorf("Access-Control-Allow-Headers %q repeats a header", allow)
	}
	if !strings.Contains(strings.Join(a.header.Values("Vary"), ","), "Access-Control-Request-Headers") {
		t.Errorf("Vary = %q, want Access-Control-Request-Headers in it", a.header.Values("Vary"))
	}
	// What is not a header name is not echoed back into a response header.
	a = h.preflight("https://app.example", "x-ok, bad header, <script>")
	if allow := a.header.Get("Access-Control-Allow-Headers"); !strings.Contains(allow, "x-ok") || strings.Contains(allow, "bad") || strings.Contains(allow, "script") {
		t.Errorf("Access-Control-Allow-Headers = %q", allow)
	}
	// An origin that is not allowed gets nothing to go on.
	a = h.preflight("https://evil.example", "X-Tenant-Id")
	if a.header.Get("Access-Control-Allow-Headers") != "" || a.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("unlisted origin got %v", a.header)
	}
}

// --cors-credentials: the exact origin and Allow-Credentials, never "*", even when every origin is allowed.
func TestCORSWithCredentialsNamesTheOrigin(t *testing.T) {
	for _, origins := range [][]string{{"*"}, {"https://app.example"}} {
		h := newHarness(t, mock.WithCORSOrigins(origins), mock.WithCORSCredentials(true))
		for _, a := range []answer{
			h.preflight("https://app.example", "authorization"),
			h.do(h.request("application/json", `{}`, "Origin", "https://app.example")),
		} {
			if got := a.header.Get("Access-Control-Allow-Origin"); got != "https://app.example" {
				t.Errorf("origins %v: Access-Control-Allow-Origin = %q, want the exact origin", origins, got)
			}
			if got := a.header.Get("Access-Control-Allow-Credentials"); got != "true" {
				t.Errorf("origins %v: Access-Control-Allow-Credentials = %q", origins, got)
			}
		}
	}
	h := newHarness(t, mock.WithCORSOrigins([]string{"https://app.example"}), mock.WithCORSCredentials(true))
	if a := h.preflight("https://evil.example", ""); a.header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("an unlisted origin was allowed credentials: %v", a.header)
	}
	h = newHarness(t)
	if a := h.preflight("https://app.example", ""); a.header.Get("Access-Control-Allow-Credentials") != "" || a.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("without --cors-credentials: %v", a.header)
	}
}
