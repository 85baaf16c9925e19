package proxy_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/mock/diagnose"
	"github.com/appmaker/refresh-conformance/proxy"
)

// streamWait bounds a wait for an event on a stream: a guard against a hang, not a pace.
const streamWait = 30 * time.Second

// fakeClock is the proxy's clock in a test: it moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// adminGet GETs one of the proxy's /__mock/ paths and decodes its JSON answer into v; it
// returns the status and the raw body.
func adminGet(t testing.TB, url, token string, v any) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v in %s", url, err, body)
		}
	}
	return resp.StatusCode, string(body)
}

// nextEvent reads Server-Sent Events until one named name, and returns its data.
func nextEvent(t testing.TB, lines *bufio.Reader, name string) string {
	t.Helper()
	var event, data string
	for {
		line, err := lines.ReadString('\n')
		if err != nil {
			t.Fatalf("the stream ended (%v) before an event %q", err, name)
		}
		switch line = strings.TrimSuffix(line, "\n"); {
		case line == "" && event == name:
			return data
		case line == "":
			event, data = "", ""
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data += strings.TrimPrefix(line, "data: ")
		}
	}
}

func events(t testing.TB, base string) (proxy.EventList, string) {
	t.Helper()
	var list proxy.EventList
	if status, body := adminGet(t, base+"/__mock/events?limit=1000", "", &list); status != http.StatusOK {
		t.Fatalf("GET /__mock/events on the proxy = %d %s", status, body)
	}
	_, raw := adminGet(t, base+"/__mock/events?limit=1000", "", nil)
	return list, raw
}

func findings(t testing.TB, base string) []diagnose.Finding {
	t.Helper()
	var list proxy.FindingList
	if status, body := adminGet(t, base+"/__mock/diagnostics", "", &list); status != http.StatusOK || list.Findings == nil {
		t.Fatalf("GET /__mock/diagnostics on the proxy = %d %s", status, body)
	}
	return list.Findings
}

func kinds(fs []diagnose.Finding) []diagnose.Kind {
	out := make([]diagnose.Kind, len(fs))
	for i, f := range fs {
		out[i] = f.Kind
	}
	return out
}

func TestTheProxysJournalShowsCleanTrafficToTheMockAndNoFinding(t *testing.T) {
	upstream := startMock(t)
	_, base := startProxy(t, upstream)
	pair := session(t, base) // POST /__mock/sessions still passes through to the mock
	for range 3 {
		pair = refresh(t, base, pair.AccessToken, pair.RefreshToken).pair(t)
	}
	list, raw := events(t, base)
	if list.Proxy.Upstream != upstream || list.Proxy.BasePath != "/api/v1" {
		t.Errorf("the list says proxy %+v, want the upstream %s", list.Proxy, upstream)
	}
	if len(list.Events) != 3 {
		t.Fatalf("the proxy's journal holds %d events, want the 3 refreshes: %s", len(list.Events), raw)
	}
	family := list.Events[0].SessionID
	for _, e := range list.Events {
		if e.Type != "" || e.Status != http.StatusCreated || e.Operation != "refreshToken" ||
			e.Path != "/api/v1/auth/refresh-token" || len(e.Rules) > 0 || e.SessionID != family || !strings.HasPrefix(family, "sha256:") {
			t.Errorf("event %+v, want a clean 201 refresh of family %s", e, family)
		}
	}
	if fs := findings(t, base); len(fs) > 0 {
		t.Errorf("clean traffic made findings: %+v", fs)
	}
	noSecrets(t, raw, pair.AccessToken, pair.RefreshToken)
}

func TestAViolationShowsUpInTheProxysEventsAsJSONAndLive(t *testing.T) {
	// The broken upstream answers the presented refresh token again: no rotation.
	upstream := brokenUpstream(t, func(presented string) (int, any) { return http.StatusCreated, pairOf(presented) })
	_, base := startProxy(t, upstream)

	ctx, cancel := context.WithTimeout(context.Background(), streamWait)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/__mock/events?follow=1", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET /__mock/events?follow=1 = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := bufio.NewReader(resp.Body)
	if first, err := lines.ReadString('\n'); err != nil || !strings.HasPrefix(first, ": following") {
		t.Fatalf("the stream opened with %q, %v", first, err)
	}

	presented := "presented-" + accessToken()
	access := accessToken()
	refresh(t, base, access, presented)

	var live proxy.Event
	data := nextEvent(t, lines, proxy.EventViolation)
	if err := json.Unmarshal([]byte(data), &live); err != nil {
		t.Fatalf("the violation event's data %q: %v", data, err)
	}
	if live.Violation == nil || live.Violation.Rule != proxy.RuleNoRotation || live.Violation.Location == "" ||
		live.Violation.Exchange.Status != http.StatusCreated || live.Violation.Exchange.Curl == "" {
		t.Fatalf("the live violation is %+v, want no-rotation with its location and the redacted exchange", live)
	}

	list, raw := events(t, base)
	var rules []proxy.Rule
	for _, e := range list.Events {
		if e.Type == proxy.EventViolation {
			rules = append(rules, e.Violation.Rule)
		}
	}
	if len(rules) != 1 || rules[0] != proxy.RuleNoRotation {
		t.Errorf("the journal's violations are %v, want [no-rotation]: %s", rules, raw)
	}
	noSecrets(t, raw+data, presented, access)
}

func TestTwoRefreshesAtOnceThroughTheProxyAreAConcurrentRefreshFinding(t *testing.T) {
	// The mock's own diagnostics are off: what is found here is the proxy's.
	upstream := startMock(t, mock.WithDiagnostics(false))
	clock := newFakeClock()
	_, base := startProxy(t, upstream, proxy.WithClock(clock.now), proxy.WithAnnotate(true))
	pair := session(t, base)

	answers := make([]answer, 2)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() {
			a, err := tryRefresh(base, pair.AccessToken, pair.RefreshToken)
			if err != nil {
				t.Error(err)
			}
			answers[i] = a
		})
	}
	wg.Wait()
	headers := answers[0].header.Get(proxy.DiagnosticHeader) + answers[1].header.Get(proxy.DiagnosticHeader)
	if headers != string(diagnose.ConcurrentRefresh) {
		t.Errorf("%s on the two answers: %q, want concurrent-refresh on the second", proxy.DiagnosticHeader, headers)
	}
	fs := findings(t, base)
	if len(fs) != 1 || fs[0].Kind != diagnose.ConcurrentRefresh || fs[0].SessionID == nil ||
		!strings.HasPrefix(*fs[0].SessionID, "sha256:") || len(fs[0].EventIDs) != 2 {
		t.Fatalf("findings %+v, want one concurrent-refresh of the token family naming both exchanges", fs)
	}
	list, raw := events(t, base)
	var diagnostic, exchanges int
	for _, e := range list.Events {
		switch {
		case e.Type == proxy.EventDiagnostic && e.Finding != nil && e.Finding.Kind == diagnose.ConcurrentRefresh:
			diagnostic++
		case e.Type == "" && (e.ID == uint64(fs[0].EventIDs[0]) || e.ID == uint64(fs[0].EventIDs[1])):
			exchanges++
		}
	}
	if diagnostic != 1 || exchanges != 2 {
		t.Errorf("the journal has %d diagnostic events and %d of the finding's exchanges, want 1 and 2: %s", diagnostic, exchanges, raw)
	}
	noSecrets(t, raw, pair.AccessToken, pair.RefreshToken)
}

func TestAStaleReplayThroughTheProxyIsAFinding(t *testing.T) {
	upstream := startMock(t)
	clock := newFakeClock()
	c, base := startProxy(t, upstream, proxy.WithClock(clock.now))
	first := session(t, base)
	next := refresh(t, base, first.AccessToken, first.RefreshToken).pair(t)
	clock.advance(10 * time.Second) // well past the race window: a stale copy, not a race
	if a := refresh(t, base, next.AccessToken, first.RefreshToken); a.status != http.StatusUnauthorized {
		t.Fatalf("the mock answered the stale token %d, want 401", a.status)
	}
	fs := findings(t, base)
	if got := kinds(fs); len(got) != 1 || got[0] != diagnose.StaleTokenReplay {
		t.Fatalf("findings %v, want [stale-token-replay]: %+v", got, fs)
	}
	if !strings.Contains(fs[0].Message, "10s after it had been rotated") || *fs[0].SessionID != c.violations()[0].Family {
		t.Errorf("finding %+v, want it 10s after the rotation, in the family the violation names", fs[0])
	}
	if len(c.of(proxy.RuleSpentTokenPresented)) != 1 {
		t.Errorf("violations %+v, want the client's spent token as well", c.violations())
	}
	noSecrets(t, fs[0].Message, first.RefreshToken, next.RefreshToken)
}

func TestAfterA401WithoutACodeMoreRefreshesOfTheFamilyAreAfterLogout(t *testing.T) {
	// A server like the real one: 401 with the document's body and no machine code.
	upstream := brokenUpstream(t, func(string) (int, any) {
		return http.StatusUnauthorized, map[string][]string{"apiError": {"refresh token is not valid"}}
	})
	clock := newFakeClock()
	_, base := startProxy(t, upstream, proxy.WithClock(clock.now))
	access, dead := accessToken(), "dead-"+accessToken()
	for range 3 {
		refresh(t, base, access, dead)
		clock.advance(5 * time.Second)
	}
	if got := kinds(findings(t, base)); len(got) != 1 || got[0] != diagnose.RefreshAfterLogout {
		t.Fatalf("findings %v, want [refresh-after-logout] (the first 401 ended the session; one late refresh is forgiven)", got)
	}
}

func TestTheProxysAdminPathsTakeTheTokenAndTheRestPassesThrough(t *testing.T) {
	upstream := startMock(t)
	_, base := startProxy(t, upstream, proxy.WithAdminToken("s3cret"))
	for _, path := range []string{"/__mock/events", "/__mock/diagnostics"} {
		if status, body := adminGet(t, base+path, "", nil); status != http.StatusUnauthorized || !strings.Contains(body, "--admin-token") {
			t.Errorf("GET %s without the token = %d %s, want 401", path, status, body)
		}
		if status, body := adminGet(t, base+path, "wrong", nil); status != http.StatusUnauthorized {
			t.Errorf("GET %s with a wrong token = %d %s, want 401", path, status, body)
		}
		if status, body := adminGet(t, base+path, "s3cret", nil); status != http.StatusOK {
			t.Errorf("GET %s with the token = %d %s", path, status, body)
		}
	}
	// The mock's control plane behind the proxy is the mock's, without the proxy's token.
	session(t, base)

	resp, err := http.Get(base + "/__mock/ui/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if resp.StatusCode != http.StatusOK || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") ||
		!strings.Contains(string(page), `id="proxy-panel"`) {
		t.Errorf("GET /__mock/ui/ on the proxy = %d, policy %q; want the console with its proxy tab", resp.StatusCode, csp)
	}
}

func TestWithoutAdminTheProxyPassesAllOfMockThrough(t *testing.T) {
	upstream := startMock(t)
	_, base := startProxy(t, upstream, proxy.WithAdmin(false))
	status, body := adminGet(t, base+"/__mock/events", "", nil)
	if status != http.StatusOK || strings.Contains(body, `"proxy"`) {
		t.Errorf("GET /__mock/events with the proxy's admin off = %d %s, want the mock's own list", status, body)
	}
}
