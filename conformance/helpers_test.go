package conformance_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/conformance"
	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/spec"
)

// harness is a client on a server started for one test, with the exchanges it saw.
type harness struct {
	client *conformance.Client
	login  func() spec.TokenPair
	// clock is the server's time where the server follows it (the mock, the fake server);
	// the target's Sleep advances it instead of waiting.
	clock *mock.OffsetClock
	// slept lists every wait the checks asked for.
	slept []time.Duration

	mu        sync.Mutex
	exchanges []*conformance.Exchange
}

func (h *harness) observe(ex *conformance.Exchange) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.exchanges = append(h.exchanges, ex)
}

func loadSpec(t *testing.T) *spec.Spec {
	t.Helper()
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// serve starts handler on loopback and returns a harness whose target is base under it.
func serve(t *testing.T, handler http.Handler, base string, timeout time.Duration, login func() spec.TokenPair) *harness {
	return serveWithClock(t, handler, base, timeout, login, newClock())
}

func serveWithClock(t *testing.T, handler http.Handler, base string, timeout time.Duration, login func() spec.TokenPair, clock *mock.OffsetClock) *harness {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	doc := loadSpec(t)
	op, _ := doc.Operation(spec.RefreshOperationID)
	target := &conformance.Target{BaseURL: srv.URL + base, Spec: doc, Operation: op, Timeout: timeout,
		Race: conformance.DefaultRace, RetryStatus: conformance.DefaultRetryStatus, RetryBudget: conformance.DefaultRetryBudget}
	r := conformance.NewRedactor()
	// Sessions come through a token source, as in the suite, so their tokens are redacted.
	tokens := conformance.NewTokens(target, func(context.Context) (spec.TokenPair, error) { return login(), nil }, r)
	h := &harness{clock: clock, login: func() spec.TokenPair {
		pair, err := tokens.Fresh(context.Background(), t.Name())
		if err != nil {
			t.Fatal(err)
		}
		return pair
	}}
	target.Sleep = func(ctx context.Context, d time.Duration) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.slept = append(h.slept, d)
		clock.Advance(d)
		return ctx.Err()
	}
	h.client = conformance.NewClient(target, r, h.observe)
	return h
}

// newClock is real time that a harness's Sleep moves forward.
func newClock() *mock.OffsetClock { return mock.NewOffsetClock(mock.SystemClock{}) }

// serveMock runs the real mock, with sessions minted in-process, on a clock the harness
// moves.
func serveMock(t *testing.T, opts ...mock.Option) *harness {
	t.Helper()
	clock := newClock()
	m, err := mock.NewServer(loadSpec(t), append([]mock.Option{mock.WithClock(clock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return serveWithClock(t, m, m.BasePath(), 5*time.Second, func() spec.TokenPair {
		s, err := m.NewSession(context.Background(), mock.NewSessionRequest{})
		if err != nil {
			t.Fatal(err)
		}
		return spec.TokenPair{AccessToken: s.AccessToken, RefreshToken: s.RefreshToken}
	}, clock)
}

func serveFake(t *testing.T, f *fakeServer) *harness {
	t.Helper()
	clock := newClock()
	f.now = clock.Now
	return serveWithClock(t, f, "/v2", 5*time.Second, f.login, clock)
}

// staticPair is what a handler that issues nothing is sent: a signed-looking JWT and garbage.
func staticPair() spec.TokenPair {
	return spec.TokenPair{AccessToken: goodJWT(), RefreshToken: "static-refresh-token-0001"}
}

func goodJWT() string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString([]byte(`{"sub":"x"}`)) + "." +
		enc.EncodeToString([]byte("not-really-a-signature-but-bytes"))
}

// fixed answers every request with status, content type and body.
func fixed(status int, contentType, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	})
}

func pairJSON(p spec.TokenPair) string {
	b, _ := json.Marshal(p)
	return string(b)
}

// mustFailWith asserts err is a *conformance.Failure whose line contains every want.
func mustFailWith(t *testing.T, err error, want ...string) {
	t.Helper()
	f, ok := err.(*conformance.Failure)
	if !ok {
		t.Fatalf("want a *conformance.Failure, got %T: %v", err, err)
	}
	line := f.Error()
	t.Logf("failure: %s", line)
	if strings.Contains(line, "\n") {
		t.Errorf("the failure is not one line: %q", line)
	}
	for _, w := range want {
		if !strings.Contains(line, w) {
			t.Errorf("failure %q does not contain %q", line, w)
		}
	}
}
