package conformance_test

import (
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/conformance"
)

// gateway answers status (with Retry-After) to the first refusals requests, then lets
// them through to next.
func gateway(status int, retryAfter string, refusals int, next http.Handler) http.Handler {
	var seen atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) <= int64(refusals) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			_, _ = w.Write([]byte("<html>slow down</html>"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// A 429 or 503 from a gateway is retried, honouring Retry-After, and the spec is judged
// on the answer that gets through.
func TestAGatewayRefusalIsRetriedHonouringRetryAfter(t *testing.T) {
	f := newFakeServer()
	clock := newClock()
	f.now = clock.Now
	h := serveWithClock(t, gateway(429, "3", 2, f), "/v2", 5*time.Second, f.login, clock)
	if err := check(t, "refresh with a Bearer credential").run(t.Context(), h); err != nil {
		t.Fatal(err)
	}
	if len(h.slept) != 2 || h.slept[0] != 3*time.Second || h.slept[1] != 3*time.Second {
		t.Errorf("waits %v, want the 3s of Retry-After twice", h.slept)
	}
}

// Without Retry-After the waits double; once the budget is spent the spec is not judged,
// with the reason, and neither passes nor fails.
func TestAGatewayThatNeverLetsThroughLeavesTheSpecNotJudged(t *testing.T) {
	h := serve(t, gateway(503, "", 1<<30, nil), "/api/v1", time.Second, staticPair)
	h.client.Target().RetryBudget = 10 * time.Second
	err := check(t, "refresh with a Bearer credential").run(t.Context(), h)
	var nj *conformance.NotJudged
	if !errors.As(err, &nj) {
		t.Fatalf("want *conformance.NotJudged, got %T: %v", err, err)
	}
	for _, want := range []string{"not judged", "503 Service Unavailable", "CONFORMANCE_RETRY_STATUS", "CONFORMANCE_RETRY_BUDGET=10s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}
	if len(h.slept) != len(want) {
		t.Fatalf("waits %v, want %v", h.slept, want)
	}
	for i := range want {
		if h.slept[i] != want[i] {
			t.Errorf("waits %v, want %v", h.slept, want)
		}
	}
}

// A status not listed in CONFORMANCE_RETRY_STATUS is judged at once: a WAF's 403 is not
// declared, so it fails.
func TestAStatusNotListedIsJudgedAtOnce(t *testing.T) {
	h := serve(t, gateway(403, "", 1<<30, nil), "/api/v1", time.Second, staticPair)
	mustFailWith(t, check(t, "refresh with a Bearer credential").run(t.Context(), h), "the status is declared", "403 Forbidden")
	h.client.Target().RetryStatus = []int{403}
	h.client.Target().RetryBudget = 0
	var nj *conformance.NotJudged
	if err := check(t, "refresh with a Bearer credential").run(t.Context(), h); !errors.As(err, &nj) {
		t.Errorf("with CONFORMANCE_RETRY_STATUS=403: %v", err)
	}
}

func writeCA(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(path, block, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A test server with a private CA: refused without CONFORMANCE_CA_FILE (with the hint),
// trusted with it, and reached with CONFORMANCE_INSECURE_TLS=1, which is reported.
func TestTLSWithAPrivateCA(t *testing.T) {
	f := newFakeServer()
	srv := httptest.NewTLSServer(f)
	t.Cleanup(srv.Close)
	ca := writeCA(t, srv)
	refresh := func(env map[string]string) error {
		env["CONFORMANCE_TARGET"] = srv.URL + "/v2"
		target, err := resolve(t, nil, env)
		if err != nil {
			t.Fatal(err)
		}
		c := conformance.NewClient(target, conformance.NewRedactor(), nil)
		p := f.login()
		_, err = conformance.CheckRefresh(t.Context(), c, conformance.Bearer(p.AccessToken), p.RefreshToken)
		return err
	}
	mustFailWith(t, refresh(map[string]string{}), "the server answers", "CONFORMANCE_CA_FILE", "CONFORMANCE_INSECURE_TLS=1")
	if err := refresh(map[string]string{"CONFORMANCE_CA_FILE": ca}); err != nil {
		t.Errorf("with the CA file: %v", err)
	}
	if err := refresh(map[string]string{"CONFORMANCE_INSECURE_TLS": "1"}); err != nil {
		t.Errorf("with CONFORMANCE_INSECURE_TLS=1: %v", err)
	}
	target, err := resolve(t, nil, map[string]string{"CONFORMANCE_INSECURE_TLS": "1"})
	if err != nil {
		t.Fatal(err)
	}
	if w := conformance.Warnings(target); len(w) != 1 || !strings.Contains(w[0], "NOT verified") {
		t.Errorf("warnings = %q", w)
	}
}

// Cache-Control: no-store and Pragma: no-cache on an answer carrying tokens are RFC 6749
// §5.1's, not the document's: a warning, a failure only with CONFORMANCE_STRICT=1.
func TestAdvisoriesWarnAndFailOnlyWhenStrict(t *testing.T) {
	f := newFakeServer() // it sends neither header
	h := serveFake(t, f)
	var warned []conformance.Advisory
	h.client.OnAdvisory(func(_ *conformance.Exchange, a []conformance.Advisory) { warned = append(warned, a...) })
	if err := check(t, "refresh with a Bearer credential").run(t.Context(), h); err != nil {
		t.Fatal(err)
	}
	if len(warned) != 2 || !strings.Contains(warned[0].String(), "no-store") || !strings.Contains(warned[1].String(), "Pragma: (none)") {
		t.Errorf("advisories = %v", warned)
	}
	h.client.Target().Strict = true
	mustFailWith(t, check(t, "refresh with a Bearer credential").run(t.Context(), h), "Cache-Control: no-store", "RFC 6749 §5.1 (CONFORMANCE_STRICT=1)")

	m := serveMock(t) // it sends both
	m.client.Target().Strict = true
	if err := check(t, "refresh with a Bearer credential").run(t.Context(), m); err != nil {
		t.Errorf("the mock under CONFORMANCE_STRICT=1: %v", err)
	}
}

func TestResolveReadsTheGatewayAndGraceSettings(t *testing.T) {
	dir := t.TempDir()
	target, err := resolve(t, []string{"--race=4"}, map[string]string{
		"CONFORMANCE_REUSE_GRACE":  "2s",
		"CONFORMANCE_RACE":         "16",
		"CONFORMANCE_RETRY_STATUS": "429, 503,502",
		"CONFORMANCE_RETRY_BUDGET": "5s",
		"CONFORMANCE_STRICT":       "1",
		"CONFORMANCE_WORKDIR":      dir,
		"CONFORMANCE_REPORT_DIR":   "reports",
	})
	if err != nil {
		t.Fatal(err)
	}
	if target.ReuseGrace != 2*time.Second || target.Race != 4 || len(target.RetryStatus) != 3 || target.RetryStatus[2] != 502 ||
		target.RetryBudget != 5*time.Second || !target.Strict || target.RevealTokens || target.InsecureTLS ||
		target.WorkDir != dir || target.ReportDir != filepath.Join(dir, "reports") {
		t.Errorf("target = %+v", target)
	}
	defaults, err := resolve(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if defaults.ReuseGrace != 0 || defaults.Race != 8 || len(defaults.RetryStatus) != 2 || defaults.Strict || defaults.ReportDir != "" {
		t.Errorf("defaults = %+v", defaults)
	}
	for env, want := range map[string]string{
		"CONFORMANCE_REUSE_GRACE":   "CONFORMANCE_REUSE_GRACE (--reuse-grace)",
		"CONFORMANCE_RACE":          "CONFORMANCE_RACE (--race)",
		"CONFORMANCE_RETRY_STATUS":  "CONFORMANCE_RETRY_STATUS (--retry-status)",
		"CONFORMANCE_CA_FILE":       "CONFORMANCE_CA_FILE (--ca-file)",
		"CONFORMANCE_INSECURE_TLS":  "CONFORMANCE_INSECURE_TLS (--insecure-tls)",
		"CONFORMANCE_REVEAL_TOKENS": "CONFORMANCE_REVEAL_TOKENS (--reveal-tokens)",
		"CONFORMANCE_WORKDIR":       "CONFORMANCE_WORKDIR (--workdir)",
	} {
		if _, err := resolve(t, nil, map[string]string{env: "bogus"}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s=bogus: %v", env, err)
		}
	}
}
