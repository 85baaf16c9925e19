package mock

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/appmaker/refresh-conformance/mock/session"
)

// ErrNothingToReplay: a session that never rotated has no previous refresh token.
var ErrNothingToReplay = errors.New("the session has not rotated yet: it has no previous refresh token to replay")

// ReplayResult is the body of POST /__mock/sessions/{id}/replay: what the refresh answers
// a client presenting the session's previous refresh token now, and the session after it.
type ReplayResult struct {
	Status  int         `json:"status"`
	Code    string      `json:"code,omitempty"`
	Session SessionView `json:"session"`
}

// ReplayPrevious presents the session's previous refresh token again, on the server side:
// the mock keeps only hashes, so the console cannot send the token itself. The same rules
// as a refresh decide (session.Session.Rotate): reuse revokes the session, inside
// --reuse-grace the racing twin is forgiven, a revoked or expired session stays so.
func (s *Server) ReplayPrevious(ctx context.Context, id string) (ReplayResult, error) {
	sess, err := s.store.Get(ctx, id)
	if err != nil {
		return ReplayResult{}, err
	}
	if sess.Previous.IsZero() {
		return ReplayResult{}, ErrNothingToReplay
	}
	now := s.sessionNow(id)
	// The previous token's own exp is not kept; it was issued at the latest when it was
	// replaced (RotatedAt), so it lives at most a refresh TTL from then, and never past the session.
	expires := sess.RotatedAt.Add(s.cfg.refreshTTL)
	if sess.ExpiresAt.Before(expires) {
		expires = sess.ExpiresAt
	}
	presented := session.Presented{Hash: sess.Previous, Generation: sess.Generation - 1, ExpiresAt: expires}
	sess, outcome, err := s.store.Rotate(ctx, id, session.Rotation{Presented: presented, Now: now, Grace: s.cfg.grace})
	if err != nil {
		return ReplayResult{}, err
	}
	res := ReplayResult{Status: http.StatusUnauthorized, Session: s.view(sess, s.clock.Now())}
	switch outcome {
	case session.GraceReplay:
		res.Status = http.StatusCreated
	case session.Reused:
		res.Code = CodeRefreshTokenReused
	case session.Revoked:
		res.Code = CodeSessionRevoked
	case session.Expired:
		res.Code = CodeRefreshTokenExpired
	default:
		res.Code = CodeInvalidRefreshToken
	}
	return res, nil
}

func (s *Server) handleReplay(w http.ResponseWriter, r *http.Request) {
	var none struct{}
	if err := decodeAdminBody(w, r, &none, `{} or nothing`, true); err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	id := s.resolveSessionID(r.PathValue("id"))
	res, err := s.ReplayPrevious(r.Context(), id)
	if err != nil {
		s.writeAdminError(w, r, fmt.Errorf("session %q: %w", id, err))
		return
	}
	writeJSON(w, http.StatusOK, res)
}
