package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/appmaker/refresh-conformance/mock/session"
	"github.com/appmaker/refresh-conformance/mock/token"
	"github.com/appmaker/refresh-conformance/spec"
)

// MaxBodyBytes is the largest request body the mock reads; a larger one is answered 400.
const MaxBodyBytes = 64 << 10

// handleRefresh is POST /auth/refresh-token. The steps run in the order the README's
// behaviour table lists them, so a frontend sees the same cause win every time.
func (s *Server) handleRefresh(w http.ResponseWriter, r *http.Request, op *spec.Operation) {
	// Step 1: credentials, as the document's security and --auth require.
	if err := s.authenticate(r, op); err != nil {
		s.writeError(w, r, op, err)
		return
	}
	// Step 2: the body must be what the document declares.
	body, err := s.readValidBody(w, r, op)
	if err != nil {
		s.noteBodyFields(r.Context(), body)
		s.writeError(w, r, op, err)
		return
	}
	var req spec.RefreshTokenRequest
	if err := json.Unmarshal(body, &req); err != nil {
		s.writeError(w, r, op, invalid(fieldBody, "is not valid JSON: "+err.Error()))
		return
	}
	// A valid request may ask, as with Prism, for one of the declared error answers instead
	// of the semantics (nothing rotates). A 201 comes only from a real rotation.
	p, err := s.preference(r, op)
	if err != nil {
		s.writeError(w, r, op, err)
		return
	}
	if p.code >= http.StatusBadRequest {
		w.Header().Set("Preference-Applied", "code="+strconv.Itoa(p.code))
		s.writeError(w, r, op, &forcedError{status: p.code, cause: "the request's Prefer header", field: headerPrefer})
		return
	}
	// Steps 3 to 6: the refresh semantics.
	pair, err := s.Refresh(r.Context(), req.RefreshToken)
	if err != nil {
		s.writeError(w, r, op, err)
		return
	}
	writeJSON(w, http.StatusCreated, spec.TokenPair{AccessToken: pair.AccessToken, RefreshToken: pair.RefreshToken})
}

// authenticate applies --auth to the request's credentials.
func (s *Server) authenticate(r *http.Request, op *spec.Operation) error {
	if s.cfg.auth == AuthOff {
		return nil
	}
	bearer, apiKey := credentials(r)
	if bearer == "" && apiKey == "" && r.Header.Get("Authorization") == "" {
		return ErrMissingCredentials
	}
	// The document's security, as libopenapi-validator reads it: a scheme must be satisfied.
	if errs := s.doc.ValidateSecurity(r, op); len(errs) > 0 {
		return ErrInvalidCredentials
	}
	if s.cfg.auth == AuthPresence {
		if emptyBearer(r) && apiKey == "" {
			return ErrInvalidCredentials
		}
		return nil
	}
	// --auth signed: an access token this mock signed, or a fixture's. Its expiry does not
	// matter: clients refresh precisely because their access token expired.
	for _, tok := range []string{bearer, apiKey} {
		if tok == "" {
			continue
		}
		if sid, _, ok := s.accessToken(r.Context(), tok); ok {
			note(r.Context(), func(v *verdict) { v.sessionID = sid })
			return nil
		}
	}
	return ErrInvalidCredentials
}

// accessToken recognises an access token this mock issued, or a fixture's, and returns
// the session it names and its expiry (zero for a fixture's, which has none). A session's
// newest access token is known by its hash; any other is verified.
func (s *Server) accessToken(ctx context.Context, tok string) (sid string, expiresAt time.Time, ok bool) {
	h := token.HashOf(tok)
	if sess, err := s.store.FindCurrent(ctx, h); err == nil && sess.Access == h {
		return sess.ID, sess.AccessExpiresAt, true
	}
	if sid, ok := s.fixtures.Load().access[h]; ok {
		return sid, time.Time{}, true
	}
	claims, err := s.minter.VerifyAccess(tok)
	if err != nil {
		return "", time.Time{}, false
	}
	return claims.Sid, token.ExpiresAt(claims.RegisteredClaims), true
}

// credentials returns the bearer token of the Authorization header and the
// x-access-token header, either possibly empty.
func credentials(r *http.Request) (bearer, apiKey string) {
	if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		bearer = strings.TrimSpace(tok)
	}
	return bearer, strings.TrimSpace(r.Header.Get("X-Access-Token"))
}

// emptyBearer reports an Authorization header that names the Bearer scheme but carries
// no token. RFC 6750 §2.1 requires the token; libopenapi-validator checks only the scheme.
func emptyBearer(r *http.Request) bool {
	fields := strings.Fields(r.Header.Get("Authorization"))
	return len(fields) == 1 && strings.EqualFold(fields[0], "Bearer")
}

// readValidBody reads at most MaxBodyBytes and validates the request against op with
// libopenapi-validator. The body is returned, and left readable in r for the validator; a
// body the document rejects is returned with the error.
func (s *Server) readValidBody(w http.ResponseWriter, r *http.Request, op *spec.Operation) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, invalid(fieldBody, "is larger than 64 KiB")
		}
		return nil, invalid(fieldBody, "could not be read: the client stopped sending it")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if errs := s.doc.ValidateInput(r, op); len(errs) > 0 {
		return body, validationFailure(op, errs)
	}
	return body, nil
}

// Refresh runs steps 3 to 6 for a presented refresh token and returns the pair to answer.
func (s *Server) Refresh(ctx context.Context, refreshToken string) (token.Pair, error) {
	at := s.clock.Now()
	presented, sess, err := s.identify(ctx, refreshToken, at)
	if err != nil {
		note(ctx, func(v *verdict) { v.refresh = refreshNote{at: at, presented: presented} })
		return token.Pair{}, err
	}
	note(ctx, func(v *verdict) { v.sessionID = sess.ID })
	// The session's own time (POST /__mock/sessions/{id}/clock) decides its expiry and its
	// tokens' times, and dates its rotations for the diagnostics (as RotatedAt is).
	now := at.Add(s.sessionClocks.offset(sess.ID))
	// The successor is minted before the store is asked: the store keeps no tokens, and its
	// ids derive from the presented token, so a grace replay re-creates the same pair.
	next, err := s.minter.Successor(holder(sess), presented.Generation+1, now, presented.Hash)
	if err != nil {
		return token.Pair{}, err
	}
	sess, outcome, err := s.store.Rotate(ctx, sess.ID, session.Rotation{
		Presented: presented, Now: now, Grace: s.cfg.grace,
		Next: session.Next{Refresh: token.HashOf(next.RefreshToken), RefreshExpiresAt: next.RefreshExpiresAt,
			Access: token.HashOf(next.AccessToken), AccessExpiresAt: next.AccessExpiresAt},
	})
	note(ctx, func(v *verdict) { v.refresh = noteRotation(now, presented, sess, outcome) })
	if errors.Is(err, session.ErrNotFound) {
		return token.Pair{}, gone(presented, now) // removed since step 3 found it
	}
	if err != nil {
		return token.Pair{}, err
	}
	switch outcome {
	case session.Rotated:
		return next, nil
	case session.GraceReplay:
		return s.minter.Successor(holder(sess), sess.Generation, sess.RotatedAt, presented.Hash)
	case session.Revoked:
		return token.Pair{}, ErrSessionRevoked
	case session.Expired:
		return token.Pair{}, ErrRefreshTokenExpired
	case session.Reused:
		return token.Pair{}, ErrRefreshTokenReused
	default:
		return token.Pair{}, ErrInvalidRefreshToken
	}
}

// identify runs step 3: only a refresh token this mock issued is considered at all. A
// session's current token is found by its hash alone; any other is a fixture's first
// token, or is verified with its signature before anything it says is believed.
func (s *Server) identify(ctx context.Context, refreshToken string, now time.Time) (session.Presented, session.Session, error) {
	p := session.Presented{Hash: token.HashOf(refreshToken)}
	sess, err := s.store.FindCurrent(ctx, p.Hash)
	if err == nil && sess.Current == p.Hash {
		p.Generation, p.ExpiresAt = sess.Generation, sess.TokensExpireAt
		return p, sess, nil
	}
	if err != nil && !errors.Is(err, session.ErrNotFound) {
		return p, session.Session{}, err
	}
	var sid string
	if fx, ok := s.fixtures.Load().refresh[p.Hash]; ok {
		sid, p.Generation, p.ExpiresAt = fx.sessionID, 1, fx.expiresAt
	} else {
		claims, err := s.minter.VerifyRefresh(refreshToken)
		if err != nil {
			return p, session.Session{}, ErrInvalidRefreshToken
		}
		sid, p.Generation, p.ExpiresAt = claims.Sid, claims.Gen, token.ExpiresAt(claims.RegisteredClaims)
	}
	note(ctx, func(v *verdict) { v.sessionID = sid })
	sess, err = s.store.Get(ctx, sid)
	if errors.Is(err, session.ErrNotFound) {
		return p, session.Session{}, gone(p, now)
	}
	return p, sess, err
}

// gone answers a token whose session the store no longer has: swept once every token of
// it was past its exp (so this one is too), or dropped by a reset.
func gone(p session.Presented, now time.Time) error {
	if !p.ExpiresAt.IsZero() && !now.Before(p.ExpiresAt) {
		return ErrRefreshTokenExpired
	}
	return ErrInvalidRefreshToken
}

// holder is whose tokens a session's are.
func holder(s session.Session) token.Holder {
	return token.Holder{SessionID: s.ID, Sub: s.Sub, Org: s.Org, SessionExpiresAt: s.ExpiresAt}
}
