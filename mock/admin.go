package mock

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
)

// adminPrefix is the mock's own API, outside the document. Frontend test suites rely on it.
const adminPrefix = "/__mock/"

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

// adminError is the body of every /__mock/ error.
type adminError struct {
	Error string `json:"error"`
}

func (s *Server) routeAdmin() {
	s.admin.handle(http.MethodPost, adminPrefix+"sessions", s.handleNewSession)
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if s.cfg.adminToken != "" {
		bearer, _ := credentials(r)
		if subtle.ConstantTimeCompare([]byte(bearer), []byte(s.cfg.adminToken)) != 1 {
			writeJSON(w, http.StatusUnauthorized, adminError{"the control plane needs 'Authorization: Bearer <admin token>' (--admin-token)"})
			return
		}
	}
	s.serveRoute(w, r, &s.admin)
}

// NewSession starts a session (a token family) for sub and org, generating either when empty.
func (s *Server) NewSession(ctx context.Context, req NewSessionRequest) (SessionTokens, error) {
	id, err := s.minter.randomID(16)
	if err != nil {
		return SessionTokens{}, err
	}
	if req.Sub == "" {
		if req.Sub, err = s.minter.randomID(6); err != nil {
			return SessionTokens{}, err
		}
		req.Sub = "user-" + req.Sub
	}
	if req.Org == "" {
		if req.Org, err = s.minter.randomID(6); err != nil {
			return SessionTokens{}, err
		}
		req.Org = "org-" + req.Org
	}
	now := s.clock.Now()
	sess := Session{ID: id, Sub: req.Sub, Org: req.Org, CreatedAt: now, ExpiresAt: now.Add(s.cfg.sessionTTL), Generation: 1}
	pair, err := s.minter.pairFor(&sess, 1, now, "")
	if err != nil {
		return SessionTokens{}, err
	}
	sess.Current = HashToken(pair.RefreshToken)
	sess.CurrentExpiresAt = pair.RefreshExpiresAt
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

func (s *Server) handleNewSession(w http.ResponseWriter, r *http.Request) {
	var req NewSessionRequest
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, adminError{"the body could not be read or is larger than 64 KiB"})
		return
	}
	if len(body) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, adminError{`the body must be a JSON object like {"sub": "user-1", "org": "org-1"}, both optional: ` + err.Error()})
			return
		}
	}
	tokens, err := s.NewSession(r.Context(), req)
	if errors.Is(err, ErrSessionExists) {
		writeJSON(w, http.StatusConflict, adminError{"session id collision; try again"})
		return
	}
	if err != nil {
		s.cfg.logger.ErrorContext(r.Context(), "start session", "error", err.Error())
		writeJSON(w, http.StatusInternalServerError, adminError{"could not start a session; see the mock's log"})
		return
	}
	writeJSON(w, http.StatusCreated, tokens)
}

// RevokeSession revokes a session: none of its tokens refreshes any more. Revoking a
// revoked session keeps the first reason.
func (s *Server) RevokeSession(ctx context.Context, id, reason string) (Session, error) {
	now := s.clock.Now()
	return s.store.Update(ctx, id, func(sess *Session) error {
		if !sess.Revoked() {
			sess.RevokedAt, sess.RevokedReason = now, reason
		}
		return nil
	})
}
