package mock_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/mock/session"
	"github.com/appmaker/refresh-conformance/mock/token"
)

// The console's "replay the previous token": the server presents the rotated token's hash
// to the same rules, so the session is revoked as by a real replay, and the newest token dies.
func TestReplayOfThePreviousTokenIsReuse(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	if a := h.call(http.MethodPost, "/__mock/sessions/"+s.SessionID+"/replay", ""); a.status != http.StatusConflict {
		t.Fatalf("replay before any rotation: %d %s, want 409", a.status, a.body)
	}
	p := h.refresh(s.AccessToken, s.RefreshToken).pair(t)
	v := decode[mock.SessionView](t, h.call(http.MethodGet, "/__mock/sessions/"+s.SessionID, ""))
	if v.RefreshTokenFingerprint != token.HashOf(p.RefreshToken).Fingerprint() ||
		v.PreviousRefreshTokenFingerprint != token.HashOf(s.RefreshToken).Fingerprint() {
		t.Fatalf("fingerprints %q %q do not name the current and previous tokens", v.RefreshTokenFingerprint, v.PreviousRefreshTokenFingerprint)
	}

	a := h.call(http.MethodPost, "/__mock/sessions/"+s.SessionID+"/replay", "")
	res := decode[mock.ReplayResult](t, a)
	if a.status != http.StatusOK || res.Status != 401 || res.Code != mock.CodeRefreshTokenReused ||
		res.Session.State != mock.StateRevoked || res.Session.Reason != session.RevokedReuse {
		t.Fatalf("replay = %d %+v", a.status, res)
	}
	wantStatus(t, h.refresh(p.AccessToken, p.RefreshToken), 401, mock.CodeSessionRevoked)
	res = decode[mock.ReplayResult](t, h.call(http.MethodPost, "/__mock/sessions/"+s.SessionID+"/replay", "{}"))
	if res.Status != 401 || res.Code != mock.CodeSessionRevoked {
		t.Errorf("replay of a revoked session = %+v", res)
	}
	if a := h.call(http.MethodPost, "/__mock/sessions/nope/replay", ""); a.status != http.StatusNotFound {
		t.Errorf("unknown session: %d", a.status)
	}
	if a := h.call(http.MethodPost, "/__mock/sessions/"+s.SessionID+"/replay", `{"token":"x"}`); a.status != http.StatusBadRequest {
		t.Errorf("a body: %d", a.status)
	}
}

// Inside --reuse-grace the replay is the racing twin: forgiven, as the refresh forgives it.
func TestReplayInsideTheGraceWindowIsForgiven(t *testing.T) {
	h := newHarness(t, mock.WithReuseGrace(10*time.Second))
	s := h.session()
	h.refresh(s.AccessToken, s.RefreshToken).pair(t)
	res := decode[mock.ReplayResult](t, h.call(http.MethodPost, "/__mock/sessions/"+s.SessionID+"/replay", ""))
	if res.Status != 201 || res.Code != "" || res.Session.State != mock.StateActive {
		t.Fatalf("replay inside the grace window = %+v", res)
	}
	h.clock.Advance(11 * time.Second)
	res = decode[mock.ReplayResult](t, h.call(http.MethodPost, "/__mock/sessions/"+s.SessionID+"/replay", ""))
	if res.Status != 401 || res.Code != mock.CodeRefreshTokenReused {
		t.Fatalf("replay after the grace window = %+v", res)
	}
}
