package mock_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/mock/session"
	"github.com/appmaker/refresh-conformance/spec"
)

// The control plane documents itself, and every route it serves is in that document.
func TestControlPlaneDocumentDescribesEveryRoute(t *testing.T) {
	h := newHarness(t)
	a := h.call(http.MethodGet, "/__mock/openapi.json", "")
	if a.status != http.StatusOK {
		t.Fatalf("GET /__mock/openapi.json = %d", a.status)
	}
	doc, err := spec.Parse("served control plane", a.body)
	if err != nil {
		t.Fatalf("the served document does not load: %v", err)
	}
	routes := []string{
		"GET /__mock/openapi.json", "POST /__mock/sessions", "GET /__mock/sessions", "GET /__mock/sessions/{id}",
		"DELETE /__mock/sessions/{id}", "POST /__mock/sessions/{id}/expire", "POST /__mock/sessions/{id}/clock",
		"POST /__mock/sessions/{id}/replay", "GET /__mock/clock", "POST /__mock/clock",
		"GET /__mock/faults", "POST /__mock/faults", "DELETE /__mock/faults", "DELETE /__mock/faults/{id}",
		"GET /__mock/events", "POST /__mock/reset",
		"GET /__mock/diagnostics", "DELETE /__mock/diagnostics", "GET /__mock/sessions/{id}/diagnostics", "DELETE /__mock/sessions/{id}/diagnostics",
	}
	var documented []string
	for _, op := range doc.Operations() {
		documented = append(documented, op.String())
	}
	for _, r := range routes {
		if !strings.Contains(strings.Join(documented, "\n")+"\n", r+"\n") {
			t.Errorf("%s is served but not documented", r)
		}
	}
	if len(documented) != len(routes) {
		t.Errorf("documented %d operations, served %d: %v", len(documented), len(routes), documented)
	}
}

func TestSessionsShowStateWithoutTokens(t *testing.T) {
	h := newHarness(t)
	reused, revoked, expired, fresh := h.session(), h.session(), h.session(), h.session()
	next := h.refresh(reused.AccessToken, reused.RefreshToken).pair(t)
	wantStatus(t, h.refresh(reused.AccessToken, reused.RefreshToken), 401, mock.CodeRefreshTokenReused)
	h.call(http.MethodDelete, "/__mock/sessions/"+revoked.SessionID, "")
	h.call(http.MethodPost, "/__mock/sessions/"+expired.SessionID+"/expire", `{"what":"session"}`)

	a := h.call(http.MethodGet, "/__mock/sessions", "")
	for _, tok := range []string{reused.AccessToken, reused.RefreshToken, next.AccessToken, next.RefreshToken, fresh.RefreshToken} {
		if strings.Contains(string(a.body), tok) {
			t.Fatal("the session list shows a token")
		}
	}
	list := decode[struct {
		Total    int                `json:"total"`
		Sessions []mock.SessionView `json:"sessions"`
	}](t, a)
	if list.Total != 4 || len(list.Sessions) != 4 {
		t.Fatalf("listed %d of %d sessions, want 4", len(list.Sessions), list.Total)
	}
	byID := map[string]mock.SessionView{}
	for _, v := range list.Sessions {
		byID[v.SessionID] = v
	}
	type state struct {
		state, reason string
		generation    int
	}
	want := map[string]state{
		reused.SessionID:  {mock.StateRevoked, session.RevokedReuse, 2},
		revoked.SessionID: {mock.StateRevoked, session.RevokedAdmin, 1},
		expired.SessionID: {mock.StateExpired, mock.ExpiredSession, 1},
		fresh.SessionID:   {mock.StateActive, "", 1},
	}
	for id, w := range want {
		if v := byID[id]; (state{v.State, v.Reason, v.Generation}) != w {
			t.Errorf("session %s: %+v, want %+v", id, v, w)
		}
	}
	if byID[reused.SessionID].RotatedAt == nil || byID[revoked.SessionID].RevokedAt == nil {
		t.Error("rotation and revocation times are missing")
	}

	one := decode[mock.SessionView](t, h.call(http.MethodGet, "/__mock/sessions/"+fresh.SessionID, ""))
	if one.SessionID != fresh.SessionID || one.Sub != fresh.Sub || !one.RefreshTokenExpiresAt.Equal(fresh.RefreshTokenExpiresAt) {
		t.Errorf("GET one session = %+v", one)
	}
	if a := h.call(http.MethodGet, "/__mock/sessions/nope", ""); a.status != http.StatusNotFound {
		t.Errorf("unknown session: %d", a.status)
	}
	if a := h.call(http.MethodGet, "/__mock/sessions?limit=2", ""); len(decode[struct {
		Sessions []mock.SessionView `json:"sessions"`
	}](t, a).Sessions) != 2 {
		t.Errorf("?limit=2 did not limit: %s", a.body)
	}
}

// A revoked session refreshes no more, and the newest token dies with it.
func TestRevokeEndsTheSession(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	p := h.refresh(s.AccessToken, s.RefreshToken).pair(t)
	if a := h.call(http.MethodDelete, "/__mock/sessions/"+s.SessionID, ""); a.status != http.StatusOK {
		t.Fatalf("DELETE = %d %s", a.status, a.body)
	}
	wantStatus(t, h.refresh(p.AccessToken, p.RefreshToken), 401, mock.CodeSessionRevoked)
}

func TestExpireEachPartOfASession(t *testing.T) {
	cases := []struct {
		what      string
		refresh   int
		code      string
		state     string
		accessDue bool
	}{
		{"access", 201, "", mock.StateActive, true},
		{"refresh", 401, mock.CodeRefreshTokenExpired, mock.StateExpired, false},
		{"session", 401, mock.CodeRefreshTokenExpired, mock.StateExpired, true},
	}
	for _, c := range cases {
		t.Run(c.what, func(t *testing.T) {
			h := newHarness(t)
			s := h.session()
			a := h.call(http.MethodPost, "/__mock/sessions/"+s.SessionID+"/expire", `{"what":"`+c.what+`"}`)
			v := decode[mock.SessionView](t, a)
			if a.status != http.StatusOK || v.State != c.state || v.AccessTokenExpired != c.accessDue {
				t.Fatalf("expire %s: %d state=%s accessTokenExpired=%v", c.what, a.status, v.State, v.AccessTokenExpired)
			}
			wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), c.refresh, c.code)
		})
	}
	t.Run("a sweep does not turn an expired session into an unknown one", func(t *testing.T) {
		h := newHarness(t)
		s := h.session()
		h.call(http.MethodPost, "/__mock/sessions/"+s.SessionID+"/expire", `{"what":"refresh"}`)
		// The sweep keeps the session while its token's own exp is ahead: only the session
		// knows it expired early.
		if n, _ := h.srv.SweepExpired(t.Context()); n != 0 {
			t.Fatalf("swept %d before the token's exp", n)
		}
		wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 401, mock.CodeRefreshTokenExpired)
		// Past the token's exp it goes, and the token's claims alone say "expired".
		h.call(http.MethodPost, "/__mock/clock", `{"advance":"8d"}`)
		if n, _ := h.srv.SweepExpired(t.Context()); n != 1 {
			t.Fatalf("swept %d after the token's exp", n)
		}
		wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 401, mock.CodeRefreshTokenExpired)
	})
	t.Run("bad requests", func(t *testing.T) {
		h := newHarness(t)
		s := h.session()
		for _, body := range []string{``, `{"what":"everything"}`, `{"when":"now"}`} {
			if a := h.call(http.MethodPost, "/__mock/sessions/"+s.SessionID+"/expire", body); a.status != http.StatusBadRequest {
				t.Errorf("body %q: %d", body, a.status)
			}
		}
	})
}

func TestClockMovesEveryExpiry(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	c := decode[mock.ClockView](t, h.call(http.MethodGet, "/__mock/clock", ""))
	if !c.Now.Equal(epoch) || c.Offset != "0s" || !c.Adjustable {
		t.Fatalf("GET /__mock/clock = %+v", c)
	}
	a := h.call(http.MethodPost, "/__mock/clock", `{"advance":"8d"}`)
	c = decode[mock.ClockView](t, a)
	if a.status != http.StatusOK || !c.Now.Equal(epoch.Add(8*24*time.Hour)) || c.OffsetSeconds != 8*24*3600 {
		t.Fatalf("advance 8d: %d %+v", a.status, c)
	}
	wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 401, mock.CodeRefreshTokenExpired)

	c = decode[mock.ClockView](t, h.call(http.MethodPost, "/__mock/clock", `{"offset":"-30s"}`))
	if !c.Now.Equal(epoch.Add(-30*time.Second)) || c.Offset != "-30s" {
		t.Fatalf("offset -30s: %+v", c)
	}
	fresh := h.session()
	if got := claims(t, fresh.AccessToken)["iat"]; got != float64(epoch.Add(-30*time.Second).Unix()) {
		t.Errorf("iat = %v, want the moved clock's time", got)
	}
	for _, body := range []string{`{}`, `{"advance":"1m","offset":"1m"}`, `{"advance":"soon"}`, `{"advance":"1x"}`} {
		if a := h.call(http.MethodPost, "/__mock/clock", body); a.status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", body, a.status)
		}
	}
}

// fixedClock is a clock nothing can move.
type fixedClock struct{}

func (fixedClock) Now() time.Time { return epoch }

func TestAClockThatCannotMoveSaysSo(t *testing.T) {
	h := newHarness(t, mock.WithClock(fixedClock{}))
	a := h.call(http.MethodPost, "/__mock/clock", `{"advance":"1m"}`)
	if a.status != http.StatusConflict || !strings.Contains(string(a.body), "cannot move") {
		t.Fatalf("got %d %s, want 409 saying the clock cannot move", a.status, a.body)
	}
	if c := decode[mock.ClockView](t, h.call(http.MethodGet, "/__mock/clock", "")); c.Adjustable {
		t.Error("GET reports a fixed clock as adjustable")
	}
}

func TestResetEmptiesEverythingButTheClock(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	h.call(http.MethodPost, "/__mock/faults", `{"latency":"1s","count":0}`)
	h.call(http.MethodPost, "/__mock/clock", `{"advance":"1h"}`)
	h.call(http.MethodGet, "/api/v1/nope", "")
	a := h.call(http.MethodPost, "/__mock/reset", "")
	if a.status != http.StatusOK || string(a.body) != `{"fixtures":0}` {
		t.Fatalf("reset = %d %s", a.status, a.body)
	}
	if l := decode[struct {
		Total int `json:"total"`
	}](t, h.call(http.MethodGet, "/__mock/sessions", "")); l.Total != 0 {
		t.Errorf("%d sessions after reset", l.Total)
	}
	if l := decode[struct {
		Faults []mock.FaultRule `json:"faults"`
	}](t, h.call(http.MethodGet, "/__mock/faults", "")); len(l.Faults) != 0 {
		t.Errorf("%d fault rules after reset", len(l.Faults))
	}
	if l := decode[mock.EventList](t, h.call(http.MethodGet, "/__mock/events", "")); len(l.Events) != 0 {
		t.Errorf("%d events after reset", len(l.Events))
	}
	if c := decode[mock.ClockView](t, h.call(http.MethodGet, "/__mock/clock", "")); c.Offset != "1h0m0s" {
		t.Errorf("clock offset after reset = %s, want it kept", c.Offset)
	}
	wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 401, mock.CodeInvalidRefreshToken)
}

// --admin-token guards every control-plane call, the document describing them included.
func TestAdminTokenGuardsEveryCall(t *testing.T) {
	h := newHarness(t, mock.WithAdminToken("s3cret"))
	var doc map[string]any
	if err := json.Unmarshal(mock.ControlPlaneDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	for path, item := range doc["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			p := strings.ReplaceAll(strings.ReplaceAll(path, "{id}", "1"), "{name}", "x")
			for _, auth := range []string{"", "Bearer wrong", "Bearer s3cre", "Bearer s3cret2", "Basic s3cret"} {
				req := h.newRequest(strings.ToUpper(method), p, "")
				if auth != "" {
					req.Header.Set("Authorization", auth)
				}
				if a := h.do(req); a.status != http.StatusUnauthorized {
					t.Errorf("%s %s with %q: %d, want 401", method, p, auth, a.status)
				}
			}
		}
	}
	if a := h.call(http.MethodGet, "/__mock/clock", "", "Authorization", "Bearer s3cret"); a.status != http.StatusOK {
		t.Errorf("with the admin token: %d", a.status)
	}
}

// --admin=false leaves no control plane at all, and the document's operations still work.
func TestAdminOffRemovesEveryRoute(t *testing.T) {
	h := newHarness(t, mock.WithAdmin(false))
	for _, path := range []string{"/__mock/openapi.json", "/__mock/clock", "/__mock/events", "/__mock/faults", "/__mock/sessions"} {
		if a := h.call(http.MethodGet, path, ""); a.status != http.StatusNotFound {
			t.Errorf("GET %s with the control plane off: %d", path, a.status)
		}
	}
	s, err := h.srv.NewSession(t.Context(), mock.NewSessionRequest{})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 201, "")
}
