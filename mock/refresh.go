package mock

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/appmaker/refresh-conformance/spec"
)

// MaxBodyBytes is the largest request body the mock reads; a larger one is answered 400.
const MaxBodyBytes = 64 << 10

// handleRefresh is POST /auth/refresh-token. The steps run in the order the README's
// behaviour table lists them, so a frontend sees the same cause win every time.
func (s *Server) handleRefresh(w http.ResponseWriter, r *http.Request, op *spec.Operation) {
	// Step 1: credentials, as the document's security and --auth require. When they are a
	// session's newest access token, step 3 takes that session from here.
	var credited Session
	if err := s.authenticate(r, op, &credited); err != nil {
		s.writeError(w, r, op, err)
		return
	}
	// Step 2: the body must be what the document declares.
	body, err := s.readValidBody(w, r, op)
	if err != nil {
		s.writeError(w, r, op, err)
		return
	}
	req, err := spec.DecodeRefreshTokenRequest(body)
	if err != nil {
		s.writeError(w, r, op, invalid(fieldBody, "is not valid JSON: "+err.Error()))
		return
	}
	// A valid request may ask, as with Prism, for one of the declared error answers instead
	// of the semantics (nothing rotates). A 201 comes only from a real rotation, so
	// "Prefer: code=201" is a request like any other.
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
	pair, err := s.refreshKnown(r.Context(), req.RefreshToken, &credited)
	if err != nil {
		s.writeError(w, r, op, err)
		return
	}
	writeTokenPair(w, spec.TokenPair{AccessToken: pair.AccessToken, RefreshToken: pair.RefreshToken})
}

// writeTokenPair answers 201 with p, the bytes writeJSON would write, without reflection:
// it is the answer of every successful refresh.
func writeTokenPair(w http.ResponseWriter, p spec.TokenPair) {
	buf := pairBodies.Get().(*[]byte)
	defer pairBodies.Put(buf)
	body := spec.AppendTokenPair((*buf)[:0], p)
	*buf = body
	setCommonHeaders(w.Header())
	// No Content-Length: net/http sets it for an answer written whole before the
	// handler returns, without the two allocations of setting it here.
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(body) // a Writer does not keep what it is given, so the buffer goes back to the pool
}

// pairBodies recycles the buffers of writeTokenPair.
var pairBodies = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// authenticate applies --auth to the request's credentials. When they are the newest
// access token of a session, it sets *credited to that session as the store has it.
func (s *Server) authenticate(r *http.Request, op *spec.Operation, credited *Session) error {
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
	// --auth signed: an access token this mock signed. Its expiry does not matter:
	// clients refresh precisely because their access token expired.
	for _, tok := range []string{bearer, apiKey} {
		if tok == "" {
			continue
		}
		if s.isLatestAccess(r.Context(), tok, credited) || s.minter.isAccess(tok) {
			return nil
		}
		if _, ok := s.fixtureAccess(tok); ok {
			return nil
		}
	}
	return ErrInvalidCredentials
}

// credentials returns the bearer token of the Authorization header and the
// x-access-token header, either possibly empty.
func credentials(r *http.Request) (bearer, apiKey string) {
	if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		bearer = strings.TrimSpace(tok)
	}
	// The canonical form of x-access-token: Get does not allocate to canonicalise it.
	return bearer, strings.TrimSpace(r.Header.Get("X-Access-Token"))
}

// emptyBearer reports an Authorization header that names the Bearer scheme but carries
// no token. RFC 6750 §2.1 requires the token; libopenapi-validator checks only the scheme.
func emptyBearer(r *http.Request) bool {
	fields := strings.Fields(r.Header.Get("Authorization"))
	return len(fields) == 1 && strings.EqualFold(fields[0], "Bearer")
}

// readValidBody reads at most MaxBodyBytes and validates the request against op.
func (s *Server) readValidBody(w http.ResponseWriter, r *http.Request, op *spec.Operation) ([]byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	body, err := spec.ReadBody(r)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, invalid(fieldBody, "is larger than 64 KiB")
		}
		return nil, invalid(fieldBody, "could not be read: the client stopped sending it")
	}
	if errs := s.doc.ValidateInput(r, op); len(errs) > 0 {
		return nil, validationFailure(op, errs)
	}
	return body, nil
}

// outcome says what a refresh did to its session.
type outcome int

const (
	rotated     outcome = iota + 1 // the presented token was current: a new pair was minted
	graceReplay                    // the presented token was just rotated: its successor pair is answered again
)

// Refresh runs steps 3 to 6 for a presented refresh token and returns the pair to answer.
func (s *Server) Refresh(ctx context.Context, token string) (Pair, error) {
	return s.refreshKnown(ctx, token, nil)
}

// refreshKnown is Refresh; known, when not nil, is a session the request's credentials
// already found, which step 3 uses instead of looking it up again if the token names it.
func (s *Server) refreshKnown(ctx context.Context, token string, known *Session) (Pair, error) {
	now := s.clock.Now()
	tok, snapshot, err := s.identify(ctx, token, now, known)
	if err != nil {
		return Pair{}, err
	}
	// Mint the successor outside the session's lock: signing is the slow part. Its ids
	// derive from the presented token's hash, so a grace replay re-creates the same pair.
	next, err := s.minter.pairFor(&snapshot, tok.gen+1, now, &tok.hash)
	if err != nil {
		return Pair{}, err
	}
	var result outcome
	sess, err := s.store.Update(ctx, tok.sid, func(sess *Session) error {
		var ruleErr error
		result, ruleErr = s.rotate(sess, &tok, next, now)
		return ruleErr
	})
	if errors.Is(err, ErrSessionNotFound) {
		// Removed since step 3 found it, by a sweep or the control plane.
		return Pair{}, s.goneSession(&tok, now)
	}
	if err != nil {
		return Pair{}, err
	}
	if result == graceReplay {
		return s.minter.pairFor(&sess, sess.Generation, sess.RotatedAt, &tok.hash)
	}
	return next, nil
}

// presentedToken is what the refresh rules need to know of a presented refresh token.
type presentedToken struct {
	hash      Hash
	sid       string
	gen       int
	expiresAt time.Time // its exp claim; zero when it has none
}

// identify runs step 3: only a refresh token this mock issued is considered at all, one
// it signed or a fixture's first token. It returns what the token says and a snapshot
// of its session.
//
// The usual case, a session's current token, is known by its hash alone: the store keeps
// the hash of the token this mock signed last, and a token with that hash is that token,
// signature and claims included. Its generation is the session's, and its exp the
// session's current expiry (whole seconds, as pairFor sets it, or earlier when the
// control plane expired it). Any other token is verified and decoded.
func (s *Server) identify(ctx context.Context, token string, now time.Time, known *Session) (presentedToken, Session, error) {
	tok := presentedToken{hash: HashToken(token)}
	named, haveNamed := Session{}, false
	if e, ok := s.fixtureRefresh(tok.hash); ok {
		tok.sid, tok.gen, tok.expiresAt = e.sessionID, 1, e.expiresAt
	} else if named, haveNamed = s.namedSession(ctx, token, known); haveNamed &&
		subtle.ConstantTimeCompare(tok.hash[:], named.Current[:]) == 1 {
		tok.sid, tok.gen, tok.expiresAt = named.ID, named.Generation, named.CurrentExpiresAt
	} else {
		claims, err := s.minter.verifyRefresh(token)
		if err != nil {
			return tok, Session{}, ErrInvalidRefreshToken
		}
		tok.sid, tok.gen = claims.Sid, claims.Gen
		if claims.ExpiresAt != nil {
			tok.expiresAt = claims.ExpiresAt.Time
		}
	}
	note(ctx, func(v *verdict) { v.sessionID = tok.sid })
	if haveNamed && named.ID == tok.sid {
		return tok, named, nil
	}
	snapshot, err := s.store.Get(ctx, tok.sid)
	if errors.Is(err, ErrSessionNotFound) {
		return tok, Session{}, s.goneSession(&tok, now)
	}
	return tok, snapshot, err
}

// goneSession is the answer to a token whose session the store no longer has: swept
// after the token expired, or removed through the control plane.
func (s *Server) goneSession(tok *presentedToken, now time.Time) error {
	_, expiredEarly := s.expiredEarly.Load(tok.sid)
	if expiredEarly || (!tok.expiresAt.IsZero() && !now.Before(tok.expiresAt)) {
		return ErrRefreshTokenExpired // swept after it expired
	}
	return ErrInvalidRefreshToken
}

// isLatestAccess reports whether token is the newest access token of the session its
// payload names, known by its hash as identify knows a current refresh token: the store
// keeps the hash of the access token this mock signed last for the session, so a token
// with that hash needs no second look at its signature and type. Older access tokens,
// which --auth signed accepts as well, are verified by isAccess. On true, *found is set
// to the session.
func (s *Server) isLatestAccess(ctx context.Context, token string, found *Session) bool {
	sess, ok := s.namedSession(ctx, token, nil)
	if !ok {
		return false
	}
	h := HashToken(token)
	if subtle.ConstantTimeCompare(h[:], sess.Access[:]) != 1 {
		return false
	}
	*found = sess
	return true
}

// namedSession returns the session the payload of token names, if there is one: known
// when that is the one named, else the store's. The name is not verified: it serves only
// to find the hash to compare the token with. A known session may be older than the
// store's by a concurrent rotation; rotate decides on the store's, under its lock.
func (s *Server) namedSession(ctx context.Context, token string, known *Session) (Session, bool) {
	sid, ok := s.minter.claimedSession(token)
	if !ok {
		return Session{}, false
	}
	if known != nil && known.ID == sid {
		return *known, true
	}
	sess, err := s.store.Get(ctx, sid)
	return sess, err == nil
}

// rotate applies the refresh rules to a session under its lock.
func (s *Server) rotate(sess *Session, tok *presentedToken, next Pair, now time.Time) (outcome, error) {
	// Step 4: a revoked session stays revoked.
	if sess.Revoked() {
		return 0, ErrSessionRevoked
	}
	// Step 4: the session's absolute lifetime and the token's own idle lifetime.
	if !now.Before(sess.ExpiresAt) || (!tok.expiresAt.IsZero() && !now.Before(tok.expiresAt)) {
		return 0, ErrRefreshTokenExpired
	}
	isCurrent := subtle.ConstantTimeCompare(tok.hash[:], sess.Current[:]) == 1
	isPrevious := subtle.ConstantTimeCompare(tok.hash[:], sess.Previous[:]) == 1
	switch {
	case isCurrent && !now.Before(sess.CurrentExpiresAt):
		return 0, ErrRefreshTokenExpired
	case isCurrent && tok.gen == sess.Generation:
		// Step 5, RFC 9700 §4.14.2: a refresh token is used once; rotation issues its successor.
		sess.Previous, sess.Current = sess.Current, HashToken(next.RefreshToken)
		sess.Access = HashToken(next.AccessToken)
		sess.Generation++
		sess.RotatedAt = now
		sess.CurrentExpiresAt = next.RefreshExpiresAt
		sess.AccessExpiresAt = next.AccessExpiresAt
		return rotated, nil
	case isPrevious && tok.gen == sess.Generation-1 && now.Sub(sess.RotatedAt) < s.cfg.grace:
		// Step 6: inside --reuse-grace, the racing twin of the last rotation gets the same successor.
		return graceReplay, nil
	case tok.gen < sess.Generation:
		// Step 6, RFC 6749 §10.4 and RFC 9700 §4.14.2: a rotated refresh token presented
		// again means it leaked; revoke the whole session, so the newest token dies too.
		sess.RevokedAt = now
		sess.RevokedReason = RevokedReuse
		return 0, ErrRefreshTokenReused
	default:
		// Signed by this key but not of this session's lineage (e.g. from an earlier run).
		return 0, ErrInvalidRefreshToken
	}
}

// Reasons a session was revoked, shown by the control plane.
const (
	RevokedReuse = "refresh_token_reused"
	RevokedAdmin = "revoked_by_request"
)
