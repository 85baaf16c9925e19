package proxy_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/appmaker/refresh-conformance/internal/forged"
	"github.com/appmaker/refresh-conformance/proxy"
	"github.com/appmaker/refresh-conformance/spec"
)

var loadDoc = sync.OnceValues(spec.Load)

func doc(t testing.TB) *spec.Spec {
	t.Helper()
	d, err := loadDoc()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// collector keeps every violation, and every line the JSON sink writes, for a test to read.
type collector struct {
	mu    sync.Mutex
	all   []proxy.Violation
	lines bytes.Buffer
	json  proxy.Sink
}

func newCollector() *collector {
	c := &collector{}
	c.json = proxy.JSONLines(lockedWriter{c})
	return c
}

type lockedWriter struct{ c *collector }

func (w lockedWriter) Write(p []byte) (int, error) { return w.c.lines.Write(p) } // called under c.mu

func (c *collector) Report(v proxy.Violation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.all = append(c.all, v)
	c.json.Report(v)
}

func (c *collector) violations() []proxy.Violation {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]proxy.Violation(nil), c.all...)
}

func (c *collector) of(rule proxy.Rule) []proxy.Violation {
	var out []proxy.Violation
	for _, v := range c.violations() {
		if v.Rule == rule {
			out = append(out, v)
		}
	}
	return out
}

func (c *collector) text() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lines.String()
}

// startProxy serves a proxy to upstream (a base URL with /api/v1) on loopback.
func startProxy(t testing.TB, upstream string, opts ...proxy.Option) (*collector, string) {
	t.Helper()
	c := newCollector()
	p, err := proxy.New(doc(t), upstream, append([]proxy.Option{proxy.WithSink(c)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return c, srv.URL
}

// answer is what came back to the app.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) pair(t testing.TB) spec.TokenPair {
	t.Helper()
	var p spec.TokenPair
	if err := json.Unmarshal(a.body, &p); err != nil || p.RefreshToken == "" {
		t.Fatalf("answer %d %s is not a token pair", a.status, a.body)
	}
	return p
}

// refresh sends the app's refresh of refreshToken to base (a proxy or a server).
func refresh(t testing.TB, base, access, refreshToken string) answer {
	t.Helper()
	a, err := tryRefresh(base, access, refreshToken)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// tryRefresh is refresh for a goroutine other than the test's.
func tryRefresh(base, access, refreshToken string) (answer, error) {
	body, _ := json.Marshal(spec.RefreshTokenRequest{RefreshToken: refreshToken})
	return post(base, access, "application/json", body)
}

func send(t testing.TB, base, access, contentType string, body []byte) answer {
	t.Helper()
	a, err := post(base, access, contentType, body)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func post(base, access, contentType string, body []byte) (answer, error) {
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/auth/refresh-token", bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	if access != "" {
		req.Header.Set("Authorization", "Bearer "+access)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, got}, err
}

// accessToken is a signed JWT no server issued: the broken upstreams answer it, and the
// app presents it, and nothing here checks it.
func accessToken() string {
	return forged.Unissued(jwt.MapClaims{"sub": "user-1", "jti": forged.Garbage()})
}

// brokenUpstream serves POST /api/v1/auth/refresh-token with answer, given the presented token.
func brokenUpstream(t testing.TB, answer func(presented string) (status int, body any)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req spec.RefreshTokenRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		status, body := answer(req.RefreshToken)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/api/v1"
}

func pairOf(refreshToken string) spec.TokenPair {
	return spec.TokenPair{AccessToken: accessToken(), RefreshToken: refreshToken}
}

// noSecrets fails when any of the tokens, or anything shaped like a JWT, reached the report.
func noSecrets(t testing.TB, report string, tokens ...string) {
	t.Helper()
	for _, tok := range tokens {
		if tok != "" && strings.Contains(report, tok) {
			t.Errorf("a token reached the report:\n%s", report)
			return
		}
	}
	if strings.Contains(report, "eyJ") {
		t.Errorf("something JWT-shaped reached the report:\n%s", report)
	}
}
