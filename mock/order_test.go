package mock_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock"
)

// Step 4 before step 6 (README, "What the refresh operation does"): a rotated refresh
// token presented after its own idle lifetime is answered refresh_token_expired, not
// refresh_token_reused, and the session, whose newer token is still alive, goes on.
// A client that finds an old token in storage after a week must not log out the tab
// that holds the current one.
func TestARotatedTokenPastItsOwnLifetimeIsExpiredAndRevokesNothing(t *testing.T) {
	for _, grace := range []time.Duration{0, time.Minute} {
		t.Run("reuse grace "+grace.String(), func(t *testing.T) {
			h := newHarness(t, mock.WithReuseGrace(grace))
			s := h.session()
			h.clock.Advance(6 * 24 * time.Hour)
			next := h.refresh(s.AccessToken, s.RefreshToken).pair(t) // alive until day 13
			h.clock.Advance(mock.DefaultRefreshTTL - 6*24*time.Hour) // day 7: the first token's own exp
			a := h.refresh(s.AccessToken, s.RefreshToken)
			if a.status != http.StatusUnauthorized || a.code() != mock.CodeRefreshTokenExpired {
				t.Fatalf("step 4 (expiry) must come before step 6 (reuse): a rotated refresh token presented at its own exp "+
					"answered %d %s, want 401 %s", a.status, a.code(), mock.CodeRefreshTokenExpired)
			}
			if got := h.storedSession(s.SessionID); got.Revoked() {
				t.Fatalf("step 4 (expiry) must come before step 6 (reuse): an expired rotated token revoked the session (%s)", got.RevokedReason)
			}
			a = h.refresh(next.AccessToken, next.RefreshToken)
			if a.status != http.StatusCreated {
				t.Fatalf("step 4 (expiry) must come before step 6 (reuse): after an expired rotated token was presented, "+
					"the current token answered %d %s, want 201", a.status, a.code())
			}
		})
	}
}
