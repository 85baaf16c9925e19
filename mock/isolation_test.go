package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/appmaker/refresh-conformance/mock"
)

// Two parallel workers: one gives its own session a fault and an advanced clock, the
// other's session, refreshed in between, sees neither.
func TestIsolationOfTwoWorkersSessions(t *testing.T) {
	h := newHarness(t)
	mine, theirs := h.session(), h.session()

	h.addFault(`{"operation":"refreshToken","sessionId":"` + mine.SessionID + `","status":401,"code":"session_revoked","count":0}`)
	a := h.call(http.MethodPost, "/__mock/sessions/"+mine.SessionID+"/clock", `{"advance":"8d"}`)
	v := decode[mock.SessionView](t, a)
	if a.status != http.StatusOK || v.ClockOffset != "192h0m0s" || v.State != mock.StateExpired {
		t.Fatalf("session clock +8d: %d %+v", a.status, v)
	}

	// The other worker's session: its own clock, no fault, rotating as usual.
	p := h.refresh(theirs.AccessToken, theirs.RefreshToken).pair(t)
	p = h.refresh(p.AccessToken, p.RefreshToken).pair(t)
	if got := claims(t, p.AccessToken)["iat"]; got != float64(epoch.Unix()) {
		t.Errorf("the untouched session's token has iat %v, want the mock's clock %d", got, epoch.Unix())
	}
	other := decode[mock.SessionView](t, h.call(http.MethodGet, "/__mock/sessions/"+theirs.SessionID, ""))
	if other.ClockOffset != "" || other.State != mock.StateActive || other.Generation != 3 {
		t.Errorf("the untouched session: %+v", other)
	}
	if c := decode[mock.ClockView](t, h.call(http.MethodGet, "/__mock/clock", "")); c.Offset != "0s" {
		t.Errorf("the mock's clock moved: %+v", c)
	}

	// Mine: the fault answers first; once cleared, its own clock says expired.
	wantStatus(t, h.refresh(mine.AccessToken, mine.RefreshToken), 401, mock.CodeSessionRevoked)
	h.call(http.MethodDelete, "/__mock/faults", "")
	wantStatus(t, h.refresh(mine.AccessToken, mine.RefreshToken), 401, mock.CodeRefreshTokenExpired)
	// Back to the mock's clock, it refreshes again, and its tokens carry that clock's time.
	if v := decode[mock.SessionView](t, h.call(http.MethodPost, "/__mock/sessions/"+mine.SessionID+"/clock", `{"offset":"0s"}`)); v.ClockOffset != "" || v.State != mock.StateActive {
		t.Fatalf("offset 0s: %+v", v)
	}
	wantStatus(t, h.refresh(mine.AccessToken, mine.RefreshToken), 201, "")
}

// A session's time is what its tokens and its access-token checks follow.
func TestIsolationSessionClockMovesItsTokensAndAccessChecks(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	h.call(http.MethodPost, "/__mock/sessions/"+s.SessionID+"/clock", `{"advance":"10m"}`)
	h.call(http.MethodPost, "/__mock/sessions/"+s.SessionID+"/clock", `{"advance":"10m"}`)
	p := h.refresh(s.AccessToken, s.RefreshToken).pair(t)
	if got := claims(t, p.AccessToken)["iat"]; got != float64(epoch.Unix()+20*60) {
		t.Errorf("iat = %v, want the session's time, 20m ahead", got)
	}
	// Past the first access token's 15 minutes by the session's clock: the refresh accepts
	// it (clients refresh because it expired), and the session shows it.
	if v := decode[mock.SessionView](t, h.call(http.MethodGet, "/__mock/sessions/"+s.SessionID, "")); v.ClockOffset != "20m0s" || v.AccessTokenExpired {
		t.Errorf("after a refresh 20m ahead: %+v", v)
	}
	// A sub-scoped rule follows the session whose sub it names.
	h.addFault(`{"sub":"` + s.Sub + `","status":400}`)
	other := h.session()
	wantStatus(t, h.refresh(other.AccessToken, other.RefreshToken), 201, "")
	wantStatus(t, h.refresh(p.AccessToken, p.RefreshToken), 400, mock.CodeForced)
}

// Without a signed access token (--auth off), the refresh token in the body names the session.
func TestIsolationFaultFindsTheSessionByItsRefreshToken(t *testing.T) {
	h := newHarness(t, mock.WithAuth(mock.AuthOff))
	mine, theirs := h.session(), h.session()
	h.addFault(`{"sessionId":"` + mine.SessionID + `","status":401,"count":0}`)
	body := `{"refreshToken":"` + theirs.RefreshToken + `"}`
	if a := h.do(h.request("application/json", body)); a.status != http.StatusCreated {
		t.Fatalf("the other session's refresh: %d %s", a.status, a.body)
	}
	body = `{"refreshToken":"` + mine.RefreshToken + `"}`
	wantStatus(t, h.do(h.request("application/json", body)), 401, mock.CodeForced)
	// The body read to find the session is still whole for the validation that follows.
	wantStatus(t, h.do(h.request("application/json", `{"refreshToken": 7}`)), 400, mock.CodeValidationFailed)
	var described bool
	for _, ev := range h.events("").Events {
		described = described || (ev.Status == 401 && strings.Contains(ev.Fault, "for session "+mine.SessionID))
	}
	if !described {
		t.Errorf("no event names the session the fault was for: %+v", h.events("").Events)
	}
}

func TestIsolationRequestsAreChecked(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	clock := "/__mock/sessions/" + s.SessionID + "/clock"
	cases := []struct{ path, body, want string }{ // in order: the clock moves on the way
		{clock, `{}`, "exactly one"},
		{clock, `{"advance":"1d","offset":"1d"}`, "exactly one"},
		{clock, `{"advance":"soon"}`, "not a duration"},
		{clock, `{"advance":"-1h"}`, "from 0s"},
		{clock, `{"offset":"-1s"}`, "from 0s"},
		{clock, `{"advance":"1d","color":"blue"}`, "unknown field"},
		{clock, `{"offset":"36500d"}`, ""},
		{clock, `{"advance":"1d"}`, "from 0s"},
		{"/__mock/faults", `{"sessionId":"nope","status":401}`, "no such session"},
		{"/__mock/faults", `{"sessionId":"` + s.SessionID + `","sub":"x","status":401}`, "another sub"},
		{"/__mock/faults", `{"sub":"` + strings.Repeat("x", 300) + `","status":401}`, "at most"},
	}
	for _, c := range cases {
		a := h.call(http.MethodPost, c.path, c.body)
		if c.want == "" {
			if a.status != http.StatusOK {
				t.Errorf("%s %s: %d %s", c.path, c.body, a.status, a.body)
			}
			continue
		}
		if a.status != http.StatusBadRequest || !strings.Contains(string(a.body), c.want) {
			t.Errorf("%s %s: got %d %s, want 400 mentioning %q", c.path, c.body, a.status, a.body, c.want)
		}
	}
	if a := h.call(http.MethodPost, "/__mock/sessions/nope/clock", `{"advance":"1d"}`); a.status != http.StatusNotFound {
		t.Errorf("unknown session: %d", a.status)
	}
	// A reset forgets the sessions' clocks with the sessions.
	h.call(http.MethodPost, "/__mock/reset", "")
	fresh := h.session()
	if v := decode[mock.SessionView](t, h.call(http.MethodGet, "/__mock/sessions/"+fresh.SessionID, "")); v.ClockOffset != "" {
		t.Errorf("after reset: %+v", v)
	}
}
