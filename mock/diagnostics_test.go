package mock_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/internal/redact"
	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/mock/diagnose"
)

// findings reads GET path (/__mock/diagnostics or a session's) and checks the list is in time order.
func (h *harness) findings(path string) []diagnose.Finding {
	h.t.Helper()
	a := h.call(http.MethodGet, path, "")
	if a.status != http.StatusOK {
		h.t.Fatalf("GET %s = %d %s", path, a.status, a.body)
	}
	if redact.HasJWT(string(a.body)) {
		h.t.Fatalf("GET %s shows a token: %s", path, a.body)
	}
	list := decode[mock.FindingList](h.t, a).Findings
	if list == nil {
		h.t.Fatalf("GET %s: findings is null, want a list: %s", path, a.body)
	}
	for i := 1; i < len(list); i++ {
		if list[i].At.Before(list[i-1].At) {
			h.t.Errorf("GET %s: finding %d at %s comes after one at %s", path, i, list[i].At, list[i-1].At)
		}
	}
	return list
}

func (h *harness) sessionFindings(id string) []diagnose.Finding {
	h.t.Helper()
	return h.findings("/__mock/sessions/" + id + "/diagnostics")
}

// kinds lists the kinds of findings, in order.
func kinds(findings []diagnose.Finding) string {
	var ks []string
	for _, f := range findings {
		ks = append(ks, string(f.Kind))
	}
	return strings.Join(ks, ",")
}

// requestIDs are the /__mock/events ids of the request events so far.
func (h *harness) requestIDs() []int64 {
	h.t.Helper()
	var ids []int64
	for _, e := range h.events("").Events {
		if e.Type == "" {
			ids = append(ids, int64(e.ID))
		}
	}
	return ids
}

// Each kind, made over HTTP by a client that makes the mistake: the answer that completes the
// finding names its kind, the session's list holds it with the requests' event ids, and its
// message says what to do.
func TestEachKindIsFoundOverHTTP(t *testing.T) {
	t.Run("concurrent-refresh: two tabs present one token", func(t *testing.T) {
		h := newHarness(t)
		s := h.session()
		wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 201, "")
		h.clock.Advance(300 * time.Millisecond)
		second := h.refresh(s.AccessToken, s.RefreshToken)
		wantStatus(t, second, 401, mock.CodeRefreshTokenReused)
		if got := second.header.Get(mock.HeaderDiagnostic); got != "concurrent-refresh" {
			t.Errorf("X-Mock-Diagnostic = %q", got)
		}
		f := h.sessionFindings(s.SessionID)
		if kinds(f) != "concurrent-refresh" {
			t.Fatalf("findings: %+v", f)
		}
		if ids := h.requestIDs(); fmt.Sprint(f[0].EventIDs) != fmt.Sprint(ids) {
			t.Errorf("eventIds %v, want the two requests' %v", f[0].EventIDs, ids)
		}
		if *f[0].SessionID != s.SessionID || f[0].Generation != 1 || f[0].Severity != diagnose.Error || !f[0].At.Equal(epoch.Add(300*time.Millisecond)) {
			t.Errorf("finding: %+v", f[0])
		}
		for _, says := range []string{"2 requests", "fingerprint " + diagnose.Fingerprint(s.RefreshToken), "single-flight", "Web Locks API"} {
			if !strings.Contains(f[0].Message, says) {
				t.Errorf("message %q does not say %q", f[0].Message, says)
			}
		}
	})

	t.Run("concurrent-refresh: hidden by a grace window, one finding per burst", func(t *testing.T) {
		h := newHarness(t, mock.WithReuseGrace(10*time.Second))
		s := h.session()
		var last answer
		for range 3 {
			last = h.refresh(s.AccessToken, s.RefreshToken)
			wantStatus(t, last, 201, "")
		}
		f := h.sessionFindings(s.SessionID)
		if kinds(f) != "concurrent-refresh" || len(f[0].EventIDs) != 3 || !strings.Contains(f[0].Message, "grace window answered them") {
			t.Fatalf("want one finding listing the three requests: %+v", f)
		}
		if last.header.Get(mock.HeaderDiagnostic) != "concurrent-refresh" {
			t.Errorf("the third answer: X-Mock-Diagnostic = %q", last.header.Get(mock.HeaderDiagnostic))
		}
	})

	t.Run("concurrent-refresh: a retry after a lost answer", func(t *testing.T) {
		h := newHarness(t)
		s := h.session()
		h.addFault(`{"operation":"refreshToken","lostResponse":true}`)
		if err := h.lose(h.request("application/json", `{"refreshToken":"`+s.RefreshToken+`"}`, "Authorization", "Bearer "+s.AccessToken)); err == nil {
			t.Fatal("the connection was not dropped")
		}
		retry := h.refresh(s.AccessToken, s.RefreshToken)
		wantStatus(t, retry, 401, mock.CodeRefreshTokenReused)
		if retry.header.Get(mock.HeaderDiagnostic) != "concurrent-refresh" {
			t.Errorf("X-Mock-Diagnostic = %q", retry.header.Get(mock.HeaderDiagnostic))
		}
	})

	t.Run("stale-token-replay: a copy kept past the rotation", func(t *testing.T) {
		h := newHarness(t)
		s := h.session()
		p := h.refresh(s.AccessToken, s.RefreshToken).pair(t)
		h.clock.Advance(time.Minute)
		h.refresh(p.AccessToken, p.RefreshToken).pair(t)
		h.clock.Advance(4*time.Minute + 12*time.Second)
		stale := h.refresh(s.AccessToken, s.RefreshToken)
		wantStatus(t, stale, 401, mock.CodeRefreshTokenReused)
		if stale.header.Get(mock.HeaderDiagnostic) != "stale-token-replay" {
			t.Errorf("X-Mock-Diagnostic = %q", stale.header.Get(mock.HeaderDiagnostic))
		}
		f := h.sessionFindings(s.SessionID)
		if kinds(f) != "stale-token-replay" || f[0].Generation != 1 {
			t.Fatalf("findings: %+v", f)
		}
		for _, says := range []string{"5m12s after", "generation 3 was current", "revoked", "adopt the token another tab stored"} {
			if !strings.Contains(f[0].Message, says) {
				t.Errorf("message %q does not say %q", f[0].Message, says)
			}
		}
	})

	t.Run("refresh-after-logout: refreshing a session that is over", func(t *testing.T) {
		h := newHarness(t)
		s := h.session()
		h.call(http.MethodDelete, "/__mock/sessions/"+s.SessionID, "")
		var last answer
		for i := range 3 {
			last = h.refresh(s.AccessToken, s.RefreshToken)
			wantStatus(t, last, 401, mock.CodeSessionRevoked)
			if i < 2 && last.header.Get(mock.HeaderDiagnostic) != "" {
				t.Errorf("request %d: X-Mock-Diagnostic = %q: the end, and one late request, are forgiven", i+1, last.header.Get(mock.HeaderDiagnostic))
			}
			h.clock.Advance(3 * time.Second)
		}
		if last.header.Get(mock.HeaderDiagnostic) != "refresh-after-logout" {
			t.Errorf("X-Mock-Diagnostic = %q", last.header.Get(mock.HeaderDiagnostic))
		}
		f := h.sessionFindings(s.SessionID)
		if kinds(f) != "refresh-after-logout" || len(f[0].EventIDs) != 3 || !strings.Contains(f[0].Message, "sign the user out") {
			t.Fatalf("findings: %+v", f)
		}
	})

	t.Run("malformed-request: refresh_token for refreshToken", func(t *testing.T) {
		h := newHarness(t)
		s := h.session()
		a := h.do(h.request("application/json", `{"refresh_token":"`+s.RefreshToken+`"}`, "Authorization", "Bearer "+s.AccessToken))
		wantStatus(t, a, 400, mock.CodeValidationFailed)
		if a.header.Get(mock.HeaderDiagnostic) != "malformed-request" {
			t.Errorf("X-Mock-Diagnostic = %q", a.header.Get(mock.HeaderDiagnostic))
		}
		f := h.sessionFindings(s.SessionID)
		if kinds(f) != "malformed-request" || !strings.Contains(f[0].Message, `"refresh_token"`) || !strings.Contains(f[0].Message, "case-sensitive") {
			t.Fatalf("findings: %+v", f)
		}
	})

	t.Run("missing-credential: the refresh call without the access token", func(t *testing.T) {
		h := newHarness(t)
		s := h.session()
		a := h.do(h.request("application/json", `{"refreshToken":"`+s.RefreshToken+`"}`))
		wantStatus(t, a, 401, mock.CodeMissingCredentials)
		if a.header.Get(mock.HeaderDiagnostic) != "missing-credential" {
			t.Errorf("X-Mock-Diagnostic = %q", a.header.Get(mock.HeaderDiagnostic))
		}
		f := h.findings("/__mock/diagnostics")
		if kinds(f) != "missing-credential" || f[0].SessionID != nil || !strings.Contains(f[0].Message, "Authorization: Bearer") {
			t.Fatalf("findings: %+v", f)
		}
		if f := h.sessionFindings(s.SessionID); len(f) != 0 {
			t.Errorf("a finding with no session is listed under a session: %+v", f)
		}
	})

	t.Run("missing-credential: found with --auth off too, where the answer is 201", func(t *testing.T) {
		h := newHarness(t, mock.WithAuth(mock.AuthOff))
		s := h.session()
		a := h.do(h.request("application/json", `{"refreshToken":"`+s.RefreshToken+`"}`))
		wantStatus(t, a, 201, "")
		if f := h.sessionFindings(s.SessionID); kinds(f) != "missing-credential" || a.header.Get(mock.HeaderDiagnostic) != "missing-credential" {
			t.Errorf("findings %+v, X-Mock-Diagnostic %q", f, a.header.Get(mock.HeaderDiagnostic))
		}
	})

	t.Run("refresh-storm: a rotation before every request", func(t *testing.T) {
		h := newHarness(t, mock.WithStormLimit(diagnose.StormLimit{Count: 3, Window: time.Minute}))
		s := h.session()
		access, refresh := s.AccessToken, s.RefreshToken
		var last answer
		for range 4 {
			h.clock.Advance(time.Second)
			last = h.refresh(access, refresh)
			p := last.pair(t)
			access, refresh = p.AccessToken, p.RefreshToken
		}
		if last.header.Get(mock.HeaderDiagnostic) != "refresh-storm" {
			t.Errorf("X-Mock-Diagnostic = %q", last.header.Get(mock.HeaderDiagnostic))
		}
		f := h.sessionFindings(s.SessionID)
		if kinds(f) != "refresh-storm" || f[0].Severity != diagnose.Warning || len(f[0].EventIDs) != 4 || !strings.Contains(f[0].Message, "limit 3/1m") {
			t.Fatalf("findings: %+v", f)
		}
	})
}

// A client that does it right is never flagged: sequential rotations, each with the newest
// pair, at the pace of an access token's expiry or faster (up to the storm limit).
func TestAWellBehavedClientHasNoFinding(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	access, refresh := s.AccessToken, s.RefreshToken
	for i := range 12 {
		h.clock.Advance(20 * time.Second) // 4 rotations a minute: under the storm limit
		a := h.refresh(access, refresh)
		if d := a.header.Get(mock.HeaderDiagnostic); d != "" {
			t.Fatalf("rotation %d: X-Mock-Diagnostic %q", i+1, d)
		}
		p := a.pair(t)
		access, refresh = p.AccessToken, p.RefreshToken
	}
	if f := h.findings("/__mock/diagnostics"); len(f) != 0 {
		t.Errorf("findings: %+v", f)
	}
	for _, e := range h.events("").Events {
		if e.Type != "" {
			t.Errorf("an event of type %q: %+v", e.Type, e)
		}
	}
}

// clientMistakes is a client making every mistake in turn; it returns what each answer was.
func clientMistakes(h *harness) []string {
	s := h.session()
	var answers []string
	keep := func(a answer) {
		answers = append(answers, fmt.Sprintf("%d %s %s %s", a.status, a.code(), a.header.Get("WWW-Authenticate"), a.body))
	}
	p := h.refresh(s.AccessToken, s.RefreshToken)
	keep(p)
	next := p.pair(h.t)
	keep(h.refresh(s.AccessToken, s.RefreshToken))
	keep(h.do(h.request("application/json", `{"refresh_token":"x"}`, "Authorization", "Bearer "+next.AccessToken)))
	keep(h.do(h.request("application/json", `{"refreshToken":"`+next.RefreshToken+`"}`)))
	for range 3 {
		h.clock.Advance(3 * time.Second)
		keep(h.refresh(next.AccessToken, next.RefreshToken))
	}
	return answers
}

// A finding never changes an answer: the same client gets the same answers, byte for byte,
// with the diagnostics on and off.
func TestAFindingNeverChangesAnAnswer(t *testing.T) {
	on := newHarness(t)
	off := newHarness(t, mock.WithDiagnostics(false))
	got, want := clientMistakes(on), clientMistakes(off)
	if !slices.Equal(got, want) {
		t.Errorf("answers with diagnostics:\n%s\nwithout:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if f := on.findings("/__mock/diagnostics"); kinds(f) != "concurrent-refresh,malformed-request,missing-credential,refresh-after-logout" {
		t.Errorf("findings with diagnostics: %s", kinds(f))
	}
}

// --diagnostics=false: no header, no event, and the control plane says they are off.
func TestDiagnosticsOff(t *testing.T) {
	h := newHarness(t, mock.WithDiagnostics(false))
	s := h.session()
	h.refresh(s.AccessToken, s.RefreshToken)
	if a := h.refresh(s.AccessToken, s.RefreshToken); a.header.Get(mock.HeaderDiagnostic) != "" {
		t.Errorf("X-Mock-Diagnostic = %q", a.header.Get(mock.HeaderDiagnostic))
	}
	for _, e := range h.events("").Events {
		if e.Type != "" {
			t.Errorf("event %+v", e)
		}
	}
	for _, path := range []string{"/__mock/diagnostics", "/__mock/sessions/" + s.SessionID + "/diagnostics"} {
		for _, method := range []string{http.MethodGet, http.MethodDelete} {
			if a := h.call(method, path, ""); a.status != http.StatusConflict || !strings.Contains(string(a.body), "--diagnostics=false") {
				t.Errorf("%s %s = %d %s", method, path, a.status, a.body)
			}
		}
	}
}

// Findings are kept per session; DELETE clears one session's or all; a reset and a sweep drop them.
func TestFindingsAreListedAndCleared(t *testing.T) {
	h := newHarness(t)
	a, b := h.session(), h.session()
	for _, s := range []mock.SessionTokens{a, b} {
		h.refresh(s.AccessToken, s.RefreshToken)
		h.refresh(s.AccessToken, s.RefreshToken)
	}
	h.do(h.request("application/json", `{}`))
	if f := h.findings("/__mock/diagnostics"); kinds(f) != "concurrent-refresh,concurrent-refresh,missing-credential" || *f[0].SessionID != a.SessionID {
		t.Fatalf("every finding: %+v", f)
	}
	if a := h.call(http.MethodGet, "/__mock/sessions/nosuch/diagnostics", ""); a.status != http.StatusNotFound {
		t.Errorf("an unknown session: %d %s", a.status, a.body)
	}
	if c := decode[map[string]int](t, h.call(http.MethodDelete, "/__mock/sessions/"+a.SessionID+"/diagnostics", "")); c["cleared"] != 1 {
		t.Errorf("DELETE a session's: %v", c)
	}
	if f := h.findings("/__mock/diagnostics"); kinds(f) != "concurrent-refresh,missing-credential" || *f[0].SessionID != b.SessionID {
		t.Errorf("after clearing a: %+v", f)
	}
	if c := decode[map[string]int](t, h.call(http.MethodDelete, "/__mock/diagnostics", "")); c["cleared"] != 2 {
		t.Errorf("DELETE all: %v", c)
	}
	if f := h.findings("/__mock/diagnostics"); len(f) != 0 {
		t.Errorf("after clearing all: %+v", f)
	}

	h.refresh(a.AccessToken, a.RefreshToken)
	h.call(http.MethodPost, "/__mock/reset", "")
	if f := h.findings("/__mock/diagnostics"); len(f) != 0 {
		t.Errorf("after a reset: %+v", f)
	}

	c := h.session()
	h.refresh(c.AccessToken, c.RefreshToken)
	h.refresh(c.AccessToken, c.RefreshToken)
	h.clock.Advance(mock.DefaultSessionTTL + time.Hour)
	if n, err := h.srv.SweepExpired(t.Context()); err != nil || n == 0 {
		t.Fatalf("sweep: %d, %v", n, err)
	}
	if a := h.call(http.MethodGet, "/__mock/sessions/"+c.SessionID+"/diagnostics", ""); a.status != http.StatusNotFound {
		t.Errorf("a swept session's findings: %d %s", a.status, a.body)
	}
}

// Each finding is a diagnostic event, after the request that completed it, in the journal
// and in the stream, with the finding and without a token.
func TestFindingsAreDiagnosticEvents(t *testing.T) {
	h := newHarness(t)
	stream := h.follow("")
	s := h.session()
	h.refresh(s.AccessToken, s.RefreshToken)
	h.refresh(s.AccessToken, s.RefreshToken)

	events := h.events("").Events
	if len(events) != 3 || events[2].Type != mock.EventDiagnostic || events[2].Finding == nil {
		t.Fatalf("events: %+v", events)
	}
	d := events[2]
	if d.Finding.Kind != diagnose.ConcurrentRefresh || d.SessionID != s.SessionID || d.Status != 401 || d.Code != mock.CodeRefreshTokenReused ||
		d.Operation != "refreshToken" || fmt.Sprint(d.Finding.EventIDs) != "[1 2]" {
		t.Errorf("the diagnostic event: %+v %+v", d, d.Finding)
	}
	var lines []string
	for deadline := time.After(5 * time.Second); ; {
		select {
		case line := <-stream.raw:
			lines = append(lines, line)
			if strings.HasPrefix(line, "data: ") && strings.Contains(line, `"type":"diagnostic"`) {
				if !slices.Contains(lines, "event: diagnostic") || redact.HasJWT(strings.Join(lines, "\n")) {
					t.Errorf("the stream: %q", lines)
				}
				return
			}
		case <-deadline:
			t.Fatalf("no diagnostic event in the stream within 5s: %q", lines)
		}
	}
}

// With no event journal the findings are made all the same; their ids still count requests.
func TestFindingsWithoutEvents(t *testing.T) {
	h := newHarness(t, mock.WithEventBuffer(0))
	s := h.session()
	h.refresh(s.AccessToken, s.RefreshToken)
	if a := h.refresh(s.AccessToken, s.RefreshToken); a.header.Get(mock.HeaderDiagnostic) != "concurrent-refresh" {
		t.Errorf("X-Mock-Diagnostic = %q", a.header.Get(mock.HeaderDiagnostic))
	}
	if f := h.sessionFindings(s.SessionID); fmt.Sprint(f[0].EventIDs) != "[1 2]" {
		t.Errorf("findings: %+v", f)
	}
}

// The race window and the storm limit come from the options.
func TestRaceWindowOption(t *testing.T) {
	h := newHarness(t, mock.WithRaceWindow(100*time.Millisecond), mock.WithReuseGrace(time.Second))
	s := h.session()
	h.refresh(s.AccessToken, s.RefreshToken)
	h.clock.Advance(200 * time.Millisecond)
	if a := h.refresh(s.AccessToken, s.RefreshToken); a.header.Get(mock.HeaderDiagnostic) != "stale-token-replay" {
		t.Errorf("200ms later, with a 100ms race window: X-Mock-Diagnostic = %q", a.header.Get(mock.HeaderDiagnostic))
	}
	doc, _ := embeddedDoc()
	if _, err := mock.NewServer(doc, mock.WithRaceWindow(-time.Second)); err == nil || !strings.Contains(err.Error(), "race window") {
		t.Errorf("a negative race window: %v", err)
	}
}

// The control plane's diagnostics are behind the admin token like the rest of it.
func TestDiagnosticsNeedTheAdminToken(t *testing.T) {
	h := newHarness(t, mock.WithAdminToken("sesame"))
	for _, path := range []string{"/__mock/diagnostics", "/__mock/sessions/x/diagnostics"} {
		if a := h.call(http.MethodGet, path, ""); a.status != http.StatusUnauthorized {
			t.Errorf("GET %s without the token: %d", path, a.status)
		}
		if a := h.call(http.MethodDelete, path, "", "Authorization", "Bearer sesame"); a.status == http.StatusUnauthorized {
			t.Errorf("DELETE %s with the token: %d", path, a.status)
		}
	}
}

// Browsers on another origin can read X-Mock-Diagnostic.
func TestDiagnosticHeaderIsExposed(t *testing.T) {
	h := newHarness(t)
	a := h.do(h.request("application/json", `{}`, "Origin", "http://localhost:3000"))
	if !strings.Contains(a.header.Get("Access-Control-Expose-Headers"), mock.HeaderDiagnostic) || a.header.Get(mock.HeaderDiagnostic) != "missing-credential" {
		t.Errorf("headers: %v", a.header)
	}
}
