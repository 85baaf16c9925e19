package conformance_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/conformance"
)

func TestTheClientSendsExtraHeadersAndRedactsTheirValues(t *testing.T) {
	var mu sync.Mutex
	var seen http.Header
	h := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = r.Header.Clone()
		mu.Unlock()
		fixed(401, "application/json", `{"apiError":["no"]}`).ServeHTTP(w, r)
	}), "/api/v1", time.Second, staticPair)
	target := *h.client.Target()
	target.Headers = http.Header{"X-Gateway-Key": {"gateway-secret-1"}}
	r := conformance.NewRedactor()
	r.Add("access-secret-1") // as a token source does
	r.Add("refresh-secret-1")
	c := conformance.NewClient(&target, r, nil)
	ex, err := c.Send(t.Context(), conformance.RefreshCall(conformance.Bearer("access-secret-1"), "refresh-secret-1"))
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen.Get("X-Gateway-Key") != "gateway-secret-1" || seen.Get("Authorization") != "Bearer access-secret-1" ||
		seen.Get("Content-Type") != "application/json" {
		t.Errorf("headers sent: %v", seen)
	}
	text := ex.Format(c.Redactor())
	for _, secret := range []string{"gateway-secret-1", "access-secret-1", "refresh-secret-1"} {
		if strings.Contains(text, secret) {
			t.Errorf("%s is not redacted in:\n%s", secret, text)
		}
	}
	for _, want := range []string{"> POST http://", "< HTTP/1.1 401 Unauthorized", `< {"apiError":["no"]}`,
		"reproduce: curl -sS -i -X POST", `--data-binary '{"refreshToken":"[token#2]"}'`, "-H 'X-Gateway-Key: [token#3]'"} {
		if !strings.Contains(text, want) {
			t.Errorf("the exchange does not show %q:\n%s", want, text)
		}
	}
}

func TestTheClientKeepsToTheRateLimit(t *testing.T) {
	h := serve(t, fixed(401, "application/json", `{"apiError":["no"]}`), "/api/v1", time.Second, staticPair)
	target := *h.client.Target()
	target.RPS = 20
	c := conformance.NewClient(&target, conformance.NewRedactor(), nil)
	start := time.Now()
	for range 5 {
		if _, err := c.Send(t.Context(), conformance.RefreshCall(conformance.NoCredential, "x")); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 180*time.Millisecond {
		t.Errorf("5 requests at 20 per second took %s", d)
	}
}

func TestALongBodyIsShortenedInTheReportButNotCutInsideASecret(t *testing.T) {
	h := serve(t, fixed(401, "application/json", `{"apiError":["no"]}`), "/api/v1", time.Second, staticPair)
	secret := strings.Repeat("s", 3000)
	h.client.Redactor().Add(secret)
	ex, err := h.client.Send(t.Context(), conformance.RefreshCall(conformance.NoCredential, secret))
	if err != nil {
		t.Fatal(err)
	}
	text := ex.Format(h.client.Redactor())
	if strings.Contains(text, "ssssssss") || !strings.Contains(text, "[token#1]") {
		t.Errorf("a long token must be redacted whole before the body is shortened:\n%s", text)
	}
	if !strings.Contains(text, "--data-binary '{\"refreshToken\":\"[token#1]\"}'") {
		t.Errorf("the curl line should carry the redacted body:\n%s", text)
	}
}

func TestShellQuotingInTheCurlLine(t *testing.T) {
	h := serve(t, fixed(400, "application/json", `{"validationError":{}}`), "/api/v1", time.Second, staticPair)
	ex, _ := h.client.Send(t.Context(), conformance.Call{Body: []byte(`it's`)})
	if got := ex.Curl(h.client.Redactor()); !strings.HasSuffix(got, `--data-binary 'it'\''s'`) {
		t.Errorf("curl = %s", got)
	}
}

func TestAPasswordInTheTargetURLIsRedacted(t *testing.T) {
	h := serve(t, fixed(401, "application/json", `{"apiError":["no"]}`), "/api/v1", time.Second, staticPair)
	target := *h.client.Target()
	target.BaseURL = strings.Replace(target.BaseURL, "http://", "http://qa:gateway-password-1@", 1)
	c := conformance.NewClient(&target, conformance.NewRedactor(), nil)
	ex, err := c.Send(t.Context(), conformance.RefreshCall(conformance.NoCredential, "x"))
	if err != nil {
		t.Fatal(err)
	}
	if text := ex.Format(c.Redactor()); strings.Contains(text, "gateway-password-1") || !strings.Contains(text, "qa:[token#1]@") {
		t.Errorf("the password is not redacted:\n%s", text)
	}
}

func TestSecretsInAnswerHeadersAreRedacted(t *testing.T) {
	h := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "refresh", Value: "cookie-secret-1", HttpOnly: true})
		w.Header().Set("X-New-Access-Token", "header-secret-1")
		fixed(401, "application/json", `{"apiError":["no"]}`).ServeHTTP(w, r)
	}), "/api/v1", time.Second, staticPair)
	ex, err := h.client.Send(t.Context(), conformance.RefreshCall(conformance.NoCredential, "x"))
	if err != nil {
		t.Fatal(err)
	}
	text := ex.Format(h.client.Redactor())
	if strings.Contains(text, "cookie-secret-1") || strings.Contains(text, "header-secret-1") {
		t.Errorf("a secret in the answer's headers is not redacted:\n%s", text)
	}
}
