package mock_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/appmaker/refresh-conformance/mock"
)

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// The console's files hold no data, so they load without the admin token; the page runs
// only its own script, and a client-set string cannot turn into markup there.
func TestConsoleFilesAndTheirPolicy(t *testing.T) {
	h := newHarness(t, mock.WithAdminToken("s3cret"))
	resp, page := get(t, h.url+"/__mock/ui/")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /__mock/ui/ = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %s", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("policy headers: %v", resp.Header)
	}
	// No inline script, handler or style: the policy would block them, and they are where markup turns into code.
	if m := regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>\s*[^<\s]|\son[a-z]+\s*=|\sstyle\s*=`).FindString(page); m != "" {
		t.Errorf("the page has inline code or style: %q", m)
	}
	resp, script := get(t, h.url+"/__mock/ui/console.js")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("console.js = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if m := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function|new EventSource`).FindString(script); m != "" {
		t.Errorf("console.js uses %s: strings must go in as text, and the token must not go in a URL", m)
	}
	if resp, _ := get(t, h.url+"/__mock/ui/console.css"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("console.css = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, _ := get(t, h.url+"/__mock/ui"); resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/__mock/ui/" {
		t.Errorf("GET /__mock/ui = %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, path := range []string{"/__mock/ui/nope.js", "/__mock/ui/../sessions", "/__mock/ui/console/console.js"} {
		if resp, _ := get(t, h.url+path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, resp.StatusCode)
		}
	}
	if a := h.call(http.MethodPost, "/__mock/ui/", ""); a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /__mock/ui/ = %d Allow %q", a.status, a.header.Get("Allow"))
	}
	// The data behind the page still needs the token.
	if a := h.call(http.MethodGet, "/__mock/sessions", ""); a.status != http.StatusUnauthorized {
		t.Errorf("GET /__mock/sessions without the token = %d", a.status)
	}
}

func TestConsoleIsOffWithTheControlPlane(t *testing.T) {
	h := newHarness(t, mock.WithAdmin(false))
	for _, path := range []string{"/__mock/ui/", "/__mock/ui/console.js"} {
		if resp, _ := get(t, h.url+path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s with --admin=false = %d, want 404", path, resp.StatusCode)
		}
	}
}
