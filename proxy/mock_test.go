package proxy_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/proxy"
	"github.com/appmaker/refresh-conformance/spec"
)

// startMock serves the reference mock on loopback and returns its base URL with /api/v1.
func startMock(t testing.TB, opts ...mock.Option) string {
	t.Helper()
	srv, err := mock.NewServer(doc(t), append([]mock.Option{mock.WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs.URL + srv.BasePath()
}

// session starts a session on the mock through base (the proxy passes /__mock/ through).
func session(t testing.TB, base string) spec.TokenPair {
	t.Helper()
	resp, err := http.Post(base+"/__mock/sessions", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var pair spec.TokenPair
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(body, &pair) != nil {
		t.Fatalf("POST /__mock/sessions answered %d %s", resp.StatusCode, body)
	}
	return pair
}

func TestCleanTrafficThroughTheProxyToTheMockIsSilent(t *testing.T) {
	upstream := startMock(t)
	c, base := startProxy(t, upstream, proxy.WithAnnotate(true))
	pair := session(t, base)
	for range 3 {
		a := refresh(t, base, pair.AccessToken, pair.RefreshToken)
		if a.status != http.StatusCreated || a.header.Get(proxy.ViolationHeader) != "" {
			t.Fatalf("refresh through the proxy answered %d %s (%s: %q)", a.status, a.body, proxy.ViolationHeader, a.header.Get(proxy.ViolationHeader))
		}
		pair = a.pair(t)
	}
	// The server's correct refusals are clean traffic too: a token it never issued.
	if a := refresh(t, base, pair.AccessToken, "not-a-token-the-mock-issued"); a.status != http.StatusUnauthorized ||
		a.header.Get("X-Mock-Error") != "invalid_refresh_token" {
		t.Fatalf("an unknown token answered %d %q, want the mock's 401 passed through", a.status, a.header.Get("X-Mock-Error"))
	}
	if vs := c.violations(); len(vs) > 0 {
		t.Fatalf("clean traffic reported %d violations, first: %+v", len(vs), vs[0])
	}
}

func TestASpentTokenPresentedThroughTheProxyIsTheClientsViolation(t *testing.T) {
	upstream := startMock(t)
	c, base := startProxy(t, upstream)
	first := session(t, base)
	next := refresh(t, base, first.AccessToken, first.RefreshToken).pair(t)
	again := refresh(t, base, next.AccessToken, first.RefreshToken)
	if again.status != http.StatusUnauthorized {
		t.Fatalf("the mock answered a reused token %d, want 401", again.status)
	}
	vs := c.violations()
	if len(vs) != 1 {
		t.Fatalf("got %d violations, want exactly the client's spent token: %+v", len(vs), vs)
	}
	v := vs[0]
	if v.Rule != proxy.RuleSpentTokenPresented || v.Party != proxy.PartyClient || v.Exchange.ID != 2 ||
		v.Exchange.Status != http.StatusUnauthorized || v.Family == "" {
		t.Fatalf("violation = %+v, want spent-token-presented by the client on exchange 2 (401)", v)
	}
	noSecrets(t, c.text(), first.AccessToken, first.RefreshToken, next.AccessToken, next.RefreshToken)
}
