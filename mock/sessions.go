package mock

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/appmaker/refresh-conformance/mock/session"
	"github.com/appmaker/refresh-conformance/mock/token"
)

// NewSessionRequest is the optional body of POST /__mock/sessions.
type NewSessionRequest struct {
	Sub string `json:"sub,omitempty"`
	Org string `json:"org,omitempty"`
}

// SessionTokens is a new session with its first token pair.
type SessionTokens struct {
	SessionID             string    `json:"sessionId"`
	Sub                   string    `json:"sub"`
	Org                   string    `json:"org"`
	AccessToken           string    `json:"accessToken"`
	RefreshToken          string    `json:"refreshToken"`
	AccessTokenExpiresAt  time.Time `json:"accessTokenExpiresAt"`
	RefreshTokenExpiresAt time.Time `json:"refreshTokenExpiresAt"`
	SessionExpiresAt      time.Time `json:"sessionExpiresAt"`
}

// Session states, as the control plane shows them.
const (
	StateActive  = "active"
	StateExpired = "expired"
	StateRevoked = "revoked"
)

// SessionView is a session as the control plane shows it: its state and history, never a token.
type SessionView struct {
	SessionID string `json:"sessionId"`
	Fixture   string `json:"fixture,omitempty"`
	Sub       string `json:"sub"`
	Org       string `json:"org"`
	State     string `json:"state"`
	// Reason says why a session is revoked (refresh_token_reused, revoked_by_request) or
	// expired (refresh_token_expired, session_expired).
	Reason     string     `json:"reason,omitempty"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
	Generation int        `json:"generation"` // the current refresh token's; 1 before any rotation
	CreatedAt  time.Time  `json:"createdAt"`
	RotatedAt  *time.Time `json:"rotatedAt,omitempty"`

	AccessTokenExpiresAt  time.Time `json:"accessTokenExpiresAt"`
	RefreshTokenExpiresAt time.Time `json:"refreshTokenExpiresAt"`
	SessionExpiresAt      time.Time `json:"sessionExpiresAt"`
	AccessTokenExpired    bool      `json:"accessTokenExpired"`

	// RefreshTokenFingerprint and PreviousRefreshTokenFingerprint tell the current and
	// the previous refresh token apart (token.Hash.Fingerprint); they say nothing of the tokens.
	RefreshTokenFingerprint         string `json:"refreshTokenFingerprint"`
	PreviousRefreshTokenFingerprint string `json:"previousRefreshTokenFingerprint,omitempty"`
	// ClockOffset is how far the session lives ahead of the mock's clock; absent when it does not.
	ClockOffset string `json:"clockOffset,omitempty"`
}

// Reasons a session expired, shown by the control plane.
const (
	ExpiredRefresh = "refresh_token_expired"
	ExpiredSession = "session_expired"
)

// ExpireRequest is the body of POST /__mock/sessions/{id}/expire.
type ExpireRequest struct {
	What string `json:"what"` // access, refresh or session
}

// NewSession starts a session (a token family) for sub and org, generating either when empty.
func (s *Server) NewSession(ctx context.Context, req NewSessionRequest) (SessionTokens, error) {
	id, err := s.minter.RandomID(16)
	if err != nil {
		return SessionTokens{}, err
	}
	if req.Sub == "" {
		if req.Sub, err = s.minter.RandomID(6); err != nil {
			return SessionTokens{}, err
		}
		req.Sub = "user-" + req.Sub
	}
	if req.Org == "" {
		if req.Org, err = s.minter.RandomID(6); err != nil {
			return SessionTokens{}, err
		}
		req.Org = "org-" + req.Org
	}
	now := s.clock.Now()
	sess := session.Session{ID: id, Sub: req.Sub, Org: req.Org, CreatedAt: now, ExpiresAt: now.Add(s.cfg.sessionTTL), Generation: 1}
	pair, err := s.minter.First(holder(sess), now)
	if err != nil {
		return SessionTokens{}, err
	}
	sess.Current, sess.Access = token.HashOf(pair.RefreshToken), token.HashOf(pair.AccessToken)
	sess.CurrentExpiresAt, sess.TokensExpireAt = pair.RefreshExpiresAt, pair.RefreshExpiresAt
	sess.AccessExpiresAt = pair.AccessExpiresAt
	if err := s.store.Create(ctx, sess); err != nil {
		return SessionTokens{}, err
	}
	return SessionTokens{
		SessionID: id, Sub: sess.Sub, Org: sess.Org,
		AccessToken: pair.AccessToken, RefreshToken: pair.RefreshToken,
		AccessTokenExpiresAt: pair.AccessExpiresAt, RefreshTokenExpiresAt: pair.RefreshExpiresAt,
		SessionExpiresAt: sess.ExpiresAt,
	}, nil
}

// RevokeSession revokes a session: none of its tokens refreshes any more. Revoking a
// revoked session keeps the first reason.
func (s *Server) RevokeSession(ctx context.Context, id, reason string) (session.Session, error) {
	return s.store.Revoke(ctx, id, reason, s.sessionNow(id))
}

// ExpireSession ends, now by the mock's clock, the access tokens, the current refresh
// token or the whole session of id.
func (s *Server) ExpireSession(ctx context.Context, id, what string) (session.Session, error) {
	part := session.Part(what)
	if !part.Valid() {
		return session.Session{}, badRequest(fmt.Sprintf(`what %q: want "access", "refresh" or "session"`, what))
	}
	return s.store.Expire(ctx, id, part, s.sessionNow(id))
}

func (s *Server) view(sess session.Session, now time.Time) SessionView {
	offset := s.sessionClocks.offset(sess.ID)
	now = now.Add(offset)
	v := SessionView{SessionID: sess.ID, Fixture: s.fixtureName(sess.ID), Sub: sess.Sub, Org: sess.Org, State: StateActive,
		Generation: sess.Generation, CreatedAt: sess.CreatedAt, AccessTokenExpiresAt: sess.AccessExpiresAt,
		RefreshTokenExpiresAt: sess.CurrentExpiresAt, SessionExpiresAt: sess.ExpiresAt,
		AccessTokenExpired: !now.Before(sess.AccessExpiresAt)}
	if !sess.RotatedAt.IsZero() {
		v.RotatedAt = &sess.RotatedAt
	}
	v.RefreshTokenFingerprint = sess.Current.Fingerprint()
	if !sess.Previous.IsZero() {
		v.PreviousRefreshTokenFingerprint = sess.Previous.Fingerprint()
	}
	if offset != 0 {
		v.ClockOffset = offset.String()
	}
	switch {
	case sess.Revoked():
		v.State, v.Reason, v.RevokedAt = StateRevoked, sess.RevokedReason, &sess.RevokedAt
	case !now.Before(sess.ExpiresAt):
		v.State, v.Reason = StateExpired, ExpiredSession
	case !now.Before(sess.CurrentExpiresAt):
		v.State, v.Reason = StateExpired, ExpiredRefresh
	}
	return v
}

func (s *Server) handleNewSession(w http.ResponseWriter, r *http.Request) {
	var req NewSessionRequest
	if err := decodeAdminBody(w, r, &req, `{"sub": "user-1", "org": "org-1"}, both optional`, true); err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	tokens, err := s.NewSession(r.Context(), req)
	if err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, tokens)
}

// handleListSessions is GET /__mock/sessions: oldest first, at most ?limit= (default 1000).
func (s *Server) handleListSessions(w http.ResponseWriter, r *http.Request) {
	limit, err := queryInt(r, "limit", 1000)
	if err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	all, err := s.store.List(r.Context())
	if err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].CreatedAt.Equal(all[j].CreatedAt) {
			return all[i].CreatedAt.Before(all[j].CreatedAt)
		}
		return all[i].ID < all[j].ID
	})
	now := s.clock.Now()
	views := make([]SessionView, 0, min(limit, len(all)))
	for _, sess := range all[:min(limit, len(all))] {
		views = append(views, s.view(sess, now))
	}
	writeJSON(w, http.StatusOK, map[string]any{"total": len(all), "sessions": views})
}

func (s *Server) handleGetSession(w http.ResponseWriter, r *http.Request) {
	id := s.resolveSessionID(r.PathValue("id"))
	sess, err := s.store.Get(r.Context(), id)
	s.writeSession(w, r, id, sess, err)
}

func (s *Server) handleRevokeSession(w http.ResponseWriter, r *http.Request) {
	id := s.resolveSessionID(r.PathValue("id"))
	sess, err := s.RevokeSession(r.Context(), id, session.RevokedAdmin)
	s.writeSession(w, r, id, sess, err)
}

func (s *Server) handleExpireSession(w http.ResponseWriter, r *http.Request) {
	var req ExpireRequest
	if err := decodeAdminBody(w, r, &req, `{"what": "access"}, "refresh" or "session"`, false); err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	id := s.resolveSessionID(r.PathValue("id"))
	sess, err := s.ExpireSession(r.Context(), id, req.What)
	s.writeSession(w, r, id, sess, err)
}

func (s *Server) writeSession(w http.ResponseWriter, r *http.Request, id string, sess session.Session, err error) {
	if err != nil {
		s.writeAdminError(w, r, fmt.Errorf("session %q: %w", id, err))
		return
	}
	writeJSON(w, http.StatusOK, s.view(sess, s.clock.Now()))
}

// queryInt reads a positive integer query parameter.
func queryInt(r *http.Request, name string, fallback int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return fallback, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, badRequest(fmt.Sprintf("%s=%q: want a positive integer", name, v))
	}
	return n, nil
}
