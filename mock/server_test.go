package mock_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock"
)

func TestRoutesOutsideTheDocument(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodGet, "/api/v1/auth/refresh-token", 405, "POST"},
		{http.MethodPut, "/api/v1/auth/refresh-token", 405, "POST"},
		{http.MethodPost, "/api/v1/auth/nope", 404, ""},
		{http.MethodPost, "/auth/refresh-token", 404, ""},
		{http.MethodPost, "/api/v1/auth/refresh-token/", 404, ""},
		{http.MethodPost, "/api/v1/auth/x/../refresh-token", 404, ""},
		{http.MethodGet, "/", 404, ""},
		{http.MethodGet, "/__mock/sessions/none/nope", 404, ""},
		{http.MethodGet, "/healthz", 200, ""},
		{http.MethodPost, "/healthz", 405, "GET, HEAD"},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, h.url+c.path, nil)
			a := h.do(req)
			if a.status != c.status || a.header.Get("Allow") != c.allow {
				t.Fatalf("got %d Allow=%q, want %d Allow=%q", a.status, a.header.Get("Allow"), c.status, c.allow)
			}
		})
	}
}

func TestCORS(t *testing.T) {
	preflight := func(h *harness, origin string) answer {
		req, _ := http.NewRequest(http.MethodOptions, h.refreshURL(), nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		return h.do(req)
	}
	t.Run("any origin by default", func(t *testing.T) {
		h := newHarness(t)
		a := preflight(h, "http://localhost:3000")
		if a.status != http.StatusNoContent || a.header.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("preflight = %d %v", a.status, a.header)
		}
		for _, want := range []string{"Authorization", "x-access-token", "Content-Type"} {
			if !strings.Contains(a.header.Get("Access-Control-Allow-Headers"), want) {
				t.Errorf("Access-Control-Allow-Headers lacks %s", want)
			}
		}
		req := h.request("application/json", `{}`, "Origin", "http://localhost:3000")
		if got := h.do(req).header.Get("Access-Control-Expose-Headers"); got != mock.HeaderError+", "+mock.HeaderDiagnostic {
			t.Errorf("exposed headers = %q", got)
		}
	})
	t.Run("listed origins only", func(t *testing.T) {
		h := newHarness(t, mock.WithCORSOrigins([]string{"https://app.example"}))
		if got := preflight(h, "https://app.example").header.Get("Access-Control-Allow-Origin"); got != "https://app.example" {
			t.Errorf("allowed origin answered %q", got)
		}
		if got := preflight(h, "https://evil.example").header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("unlisted origin answered %q", got)
		}
	})
}

func TestNewSessionEndpoint(t *testing.T) {
	h := newHarness(t)
	req, _ := http.NewRequest(http.MethodPost, h.url+"/__mock/sessions", strings.NewReader(`{"sub":"user-7","org":"org-9"}`))
	a := h.do(req)
	if a.status != http.StatusCreated || !strings.Contains(string(a.body), `"sub":"user-7"`) || !strings.Contains(string(a.body), `"org":"org-9"`) {
		t.Fatalf("got %d %s", a.status, a.body)
	}
	for _, field := range []string{"sessionId", "accessToken", "refreshToken", "accessTokenExpiresAt", "refreshTokenExpiresAt", "sessionExpiresAt"} {
		if !strings.Contains(string(a.body), `"`+field+`"`) {
			t.Errorf("answer lacks %s", field)
		}
	}
	req, _ = http.NewRequest(http.MethodPost, h.url+"/__mock/sessions", strings.NewReader(`{"user":"x"}`))
	if a := h.do(req); a.status != http.StatusBadRequest || !strings.Contains(string(a.body), "sub") {
		t.Errorf("unknown field: got %d %s", a.status, a.body)
	}
}

func TestAdminToken(t *testing.T) {
	h := newHarness(t, mock.WithAdminToken("s3cret"))
	req, _ := http.NewRequest(http.MethodPost, h.url+"/__mock/sessions", nil)
	if a := h.do(req); a.status != http.StatusUnauthorized {
		t.Fatalf("without the admin token: %d", a.status)
	}
	req, _ = http.NewRequest(http.MethodPost, h.url+"/__mock/sessions", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	if a := h.do(req); a.status != http.StatusCreated {
		t.Fatalf("with the admin token: %d", a.status)
	}
}

func TestAdminOff(t *testing.T) {
	h := newHarness(t, mock.WithAdmin(false))
	req, _ := http.NewRequest(http.MethodPost, h.url+"/__mock/sessions", nil)
	if a := h.do(req); a.status != http.StatusNotFound {
		t.Fatalf("POST /__mock/sessions with the control plane off: %d", a.status)
	}
}

func TestSweepDropsSessionsOnceTheirTokensExpired(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	for range 100 {
		if _, err := h.srv.NewSession(ctx, mock.NewSessionRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	h.clock.Advance(mock.DefaultRefreshTTL / 2)
	live := h.session()
	if n, _ := h.srv.SweepExpired(ctx); n != 0 || h.store.Len() != 101 {
		t.Fatalf("swept %d live sessions", n)
	}
	h.clock.Advance(mock.DefaultRefreshTTL / 2)
	if n, _ := h.srv.SweepExpired(ctx); n != 100 || h.store.Len() != 1 {
		t.Fatalf("swept %d, %d left; want 100 swept, 1 left", n, h.store.Len())
	}
	wantStatus(t, h.refresh(live.AccessToken, live.RefreshToken), 201, "")
	h.clock.Advance(time.Duration(mock.DefaultRefreshTTL))
	if n, _ := h.srv.SweepExpired(ctx); n != 1 || h.store.Len() != 0 {
		t.Fatalf("the last session was not swept: %d", n)
	}
}
