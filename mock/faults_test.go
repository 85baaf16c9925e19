package mock_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock"
)

func (h *harness) addFault(body string) mock.FaultRule {
	h.t.Helper()
	a := h.call(http.MethodPost, "/__mock/faults", body)
	if a.status != http.StatusCreated {
		h.t.Fatalf("POST /__mock/faults %s = %d %s", body, a.status, a.body)
	}
	return decode[mock.FaultRule](h.t, a)
}

func (h *harness) faults() []mock.FaultRule {
	h.t.Helper()
	return decode[struct {
		Faults []mock.FaultRule `json:"faults"`
	}](h.t, h.call(http.MethodGet, "/__mock/faults", "")).Faults
}

// A forced 401 carries the body and machine code the refresh really sends for that
// cause, nothing rotates, and the rule wears off after its count.
func TestFaultForcesADeclaredStatus(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	rule := h.addFault(`{"operation":"refreshToken","count":2,"status":401,"code":"refresh_token_expired"}`)
	if rule.ID != 1 || rule.Count != 2 || rule.Remaining == nil || *rule.Remaining != 2 {
		t.Fatalf("rule = %+v", rule)
	}
	for range 2 {
		a := h.refresh(s.AccessToken, s.RefreshToken)
		wantStatus(t, a, 401, mock.CodeRefreshTokenExpired)
		if !strings.Contains(string(a.body), "has expired") {
			t.Errorf("body %s does not carry the expiry message", a.body)
		}
	}
	listed := h.faults()
	if len(listed) != 1 || *listed[0].Remaining != 0 || listed[0].Applied != 2 {
		t.Fatalf("after two requests: %+v", listed)
	}
	if h.storedSession(s.SessionID).Generation != 1 {
		t.Fatal("a forced answer rotated the session")
	}
	wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 201, "")
}

func TestFaultStatusesOfTheRefresh(t *testing.T) {
	cases := []struct {
		rule   string
		status int
		code   string
	}{
		{`{"status":400}`, 400, mock.CodeForced},
		{`{"status":401}`, 401, mock.CodeForced},
		{`{"status":401,"code":"refresh_token_reused"}`, 401, mock.CodeRefreshTokenReused},
		{`{"status":401,"code":"session_revoked","latency":"1ms"}`, 401, mock.CodeSessionRevoked},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			h := newHarness(t)
			s := h.session()
			h.addFault(c.rule)
			wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), c.status, c.code)
		})
	}
}

func TestFaultRulesAreCheckedAgainstTheDocument(t *testing.T) {
	h := newHarness(t)
	cases := map[string]string{
		`{}`:                                      "needs",
		`{"status":418}`:                          "not declared",
		`{"status":201}`:                          "rotating",
		`{"operation":"nope","status":401}`:       "refreshToken",
		`{"status":401,"code":"teapot"}`:          "refresh_token_expired",
		`{"status":401,"code":"Bad Code"}`:        "machine code",
		`{"code":"refresh_token_expired"}`:        "give the status",
		`{"status":401,"lostResponse":true}`:      "exclude",
		`{"latency":"forever"}`:                   "latency",
		`{"latency":"10m"}`:                       "up to",
		`{"latency":"-1s"}`:                       "positive",
		`{"count":-1,"latency":"1s"}`:             "count",
		`{"status":401,"color":"red"}`:            "unknown field",
		`{"operation":"GET /auth/refresh-token"}`: "not in the document",
	}
	for body, want := range cases {
		a := h.call(http.MethodPost, "/__mock/faults", body)
		if a.status != http.StatusBadRequest || !strings.Contains(string(a.body), want) {
			t.Errorf("%s: got %d %s, want 400 mentioning %q", body, a.status, a.body, want)
		}
	}
	if rule := h.addFault(`{"operation":"POST /auth/refresh-token","status":400}`); rule.Operation != "refreshToken" {
		t.Errorf("METHOD /path did not resolve: %+v", rule)
	}
}

func TestFaultRulesAreListedClearedAndRemoved(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	unlimited := h.addFault(`{"status":400,"count":0}`)
	h.addFault(`{"latency":"1ms"}`)
	if unlimited.Remaining != nil || unlimited.Count != 0 {
		t.Errorf("an unlimited rule shows a remaining count: %+v", unlimited)
	}
	for range 3 {
		wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 400, mock.CodeForced)
	}
	if a := h.call(http.MethodDelete, "/__mock/faults/1", ""); a.status != http.StatusOK {
		t.Fatalf("DELETE /__mock/faults/1 = %d", a.status)
	}
	if a := h.call(http.MethodDelete, "/__mock/faults/1", ""); a.status != http.StatusNotFound {
		t.Fatalf("deleting it twice: %d", a.status)
	}
	if got := h.faults(); len(got) != 1 || got[0].ID != 2 {
		t.Fatalf("left: %+v", got)
	}
	if a := h.call(http.MethodDelete, "/__mock/faults", ""); string(a.body) != `{"cleared":1}` {
		t.Fatalf("DELETE /__mock/faults = %s", a.body)
	}
	wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 201, "")
}

// Latency holds the answer back by real time: this test waits on purpose.
func TestFaultLatencyHoldsTheAnswerAfterTheRotation(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	const latency = 150 * time.Millisecond
	h.addFault(`{"latency":"150ms"}`)
	start := time.Now()
	a := h.refresh(s.AccessToken, s.RefreshToken)
	if took := time.Since(start); took < latency {
		t.Fatalf("answered after %s, want at least %s", took, latency)
	}
	wantStatus(t, a, 201, "")
	if h.storedSession(s.SessionID).Generation != 2 {
		t.Fatal("the delayed refresh did not rotate")
	}
}

// A client that gives up while the answer is held back frees the handler at once.
func TestFaultLatencyEndsWhenTheClientLeaves(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	h.addFault(`{"latency":"1m"}`)
	stream := h.follow("")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req := h.request("application/json", `{"refreshToken":"`+s.RefreshToken+`"}`, "Authorization", "Bearer "+s.AccessToken).WithContext(ctx)
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the client's own timeout, got %v", err)
	}
	e := stream.next(t)
	if e.Status != 0 || !strings.Contains(e.Fault, "left before the answer") || e.DurationMs > 10_000 {
		t.Fatalf("event = %+v", e)
	}
}

// The lost response: the rotation happens but its answer never arrives, so the client
// retries with the token it has, which is now a reused one.
func TestFaultLostResponseRotatesThenDropsTheConnection(t *testing.T) {
	h := newHarness(t, mock.WithDiagnostics(false)) // the request events alone; with findings: diagnostics_test.go
	s := h.session()
	h.addFault(`{"operation":"refreshToken","lostResponse":true}`)
	err := h.lose(h.request("application/json", `{"refreshToken":"`+s.RefreshToken+`"}`, "Authorization", "Bearer "+s.AccessToken))
	if err == nil {
		t.Fatal("the connection was not dropped")
	}
	if got := h.storedSession(s.SessionID).Generation; got != 2 {
		t.Fatalf("generation = %d: the lost answer's rotation did not happen", got)
	}
	wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 401, mock.CodeRefreshTokenReused)

	// The dropped request's event is recorded after its handler returns, which can be after
	// the client saw the connection close and even after the retry's event: wait for both,
	// in either order, rather than race them.
	var events []mock.Event
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if events = decode[mock.EventList](t, h.call(http.MethodGet, "/__mock/events", "")).Events; len(events) >= 2 {
			break
		}
	}
	lost := slices.IndexFunc(events, func(e mock.Event) bool {
		return e.Status == 0 && strings.Contains(e.Fault, "201 answer was not sent")
	})
	retry := slices.IndexFunc(events, func(e mock.Event) bool {
		return e.Status == http.StatusUnauthorized && e.Code == mock.CodeRefreshTokenReused
	})
	if len(events) != 2 || lost < 0 || retry < 0 {
		t.Fatalf("want the lost answer's event and the retry's 401, got events = %+v", events)
	}
}

// With --reuse-grace, the retry after a lost response gets the pair that was lost.
func TestFaultLostResponseInsideTheGraceWindow(t *testing.T) {
	h := newHarness(t, mock.WithReuseGrace(30*time.Second))
	s := h.session()
	h.addFault(`{"lostResponse":true}`)
	h.lose(h.request("application/json", `{"refreshToken":"`+s.RefreshToken+`"}`, "Authorization", "Bearer "+s.AccessToken))
	p := h.refresh(s.AccessToken, s.RefreshToken).pair(t)
	wantStatus(t, h.refresh(p.AccessToken, p.RefreshToken), 201, "")
}

// A status rule without an operation covers every operation that declares the status.
func TestFaultOnEveryOperation(t *testing.T) {
	h := extraHarness(t, mock.WithAuth(mock.AuthOff))
	if a := h.call(http.MethodPost, "/__mock/faults", `{"status":418}`); a.status != http.StatusBadRequest {
		t.Fatalf("no operation declares 418, yet the rule was taken: %d", a.status)
	}
	h.addFault(`{"status":401,"count":3}`)
	if a := h.call(http.MethodGet, "/api/v1/status", ""); a.status != http.StatusOK {
		t.Errorf("GET /status declares no 401, yet the rule applied: %d", a.status)
	}
	for _, path := range []string{"/api/v1/me", "/api/v1/projects", "/api/v1/projects/3"} {
		if a := h.call(http.MethodGet, path, ""); a.status != http.StatusUnauthorized || a.code() != mock.CodeForced {
			t.Errorf("GET %s under the rule: %d %s", path, a.status, a.code())
		}
	}
	h.addFault(`{"operation":"getProject","status":404,"code":"project_missing"}`)
	a := h.call(http.MethodGet, "/api/v1/projects/3", "")
	if a.status != http.StatusNotFound || a.code() != "project_missing" || !strings.Contains(string(a.body), `"title"`) {
		t.Fatalf("forced 404 on getProject: %d %s %s", a.status, a.code(), a.body)
	}
}

// A graceful shutdown does not wait out an injected latency: the held answer goes at once.
func TestFaultLatencyIsCutShortByShutdown(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	h.addFault(`{"latency":"5m"}`)
	done := make(chan answer, 1)
	go func() { done <- h.refresh(s.AccessToken, s.RefreshToken) }()
	// The rotation happens before the answer is held: once it shows, the handler waits.
	for deadline := time.Now().Add(5 * time.Second); h.storedSession(s.SessionID).Generation != 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the refresh never rotated")
		}
	}
	h.srv.CloseStreams()
	select {
	case a := <-done:
		wantStatus(t, a, 201, "")
	case <-time.After(10 * time.Second):
		t.Fatal("the held answer waited out its latency despite the shutdown")
	}
}
