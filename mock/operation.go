package mock

import (
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/appmaker/refresh-conformance/mock/session"
	"github.com/appmaker/refresh-conformance/spec"
)

// handleOperation serves any document operation other than the refresh: the request is
// validated like the refresh's, then answered with a body built from the document.
func (s *Server) handleOperation(w http.ResponseWriter, r *http.Request, op *spec.Operation) {
	if err := s.authorizeAccess(r, op); err != nil {
		s.writeError(w, r, op, err)
		return
	}
	if _, err := s.readValidBody(w, r, op); err != nil {
		s.writeError(w, r, op, err)
		return
	}
	p, err := s.preference(r, op)
	if err != nil {
		s.writeError(w, r, op, err)
		return
	}
	if p.code == 0 {
		s.respond(w, r, op, successStatus(op), p)
		return
	}
	s.force(w, r, op, &forcedError{status: p.code, cause: "the request's Prefer header", field: headerPrefer}, p)
}

// force answers what a fault rule or a Prefer header asked for instead of the operation:
// an error status through writeError, unless p wants an example or a generated body,
// which respond builds like any other answer.
func (s *Server) force(w http.ResponseWriter, r *http.Request, op *spec.Operation, f *forcedError, p preference) {
	if f.status < http.StatusBadRequest {
		s.respond(w, r, op, f.status, p)
		return
	}
	if op == s.refresh || (p.example == "" && !p.dynamic) {
		s.writeError(w, r, op, f)
		return
	}
	code, body := f.answer()
	w.Header().Set(HeaderError, code)
	setChallenge(w.Header(), op, f.status, f, body)
	s.respond(w, r, op, f.status, p)
}

// authorizeAccess applies the document's security and --auth to a call of op with an
// access token. Unlike the refresh, it holds an access token to its expiry: that is the
// 401 a frontend must answer by refreshing.
func (s *Server) authorizeAccess(r *http.Request, op *spec.Operation) error {
	if s.cfg.auth == AuthOff || anonymousAllowed(op) {
		return nil
	}
	bearer, apiKey := credentials(r)
	if errs := s.doc.ValidateSecurity(r, op); len(errs) > 0 {
		if bearer == "" && apiKey == "" && r.Header.Get("Authorization") == "" {
			return ErrMissingCredentials
		}
		if bearer == "" && apiKey != "" && readsOnlyBearer(op) {
			s.noteSession(r, apiKey) // the token still names its session
			return ErrBearerOnly
		}
		return ErrInvalidCredentials
	}
	if emptyBearer(r) && apiKey == "" {
		return ErrInvalidCredentials
	}
	if s.cfg.auth == AuthPresence {
		s.noteSession(r, bearer, apiKey)
		return nil
	}
	if bearer == "" && apiKey == "" {
		return nil // a scheme the mock issues no tokens for: its presence is all it can check
	}
	var err error
	for _, tok := range []string{bearer, apiKey} {
		if tok == "" {
			continue
		}
		if err = s.checkAccessToken(r, tok); err == nil || !errors.Is(err, ErrInvalidCredentials) {
			return err
		}
	}
	return err
}

// checkAccessToken accepts an access token this mock issued (or a fixture's) whose session
// lives and whose expiry, by the mock's clock, has not come.
func (s *Server) checkAccessToken(r *http.Request, tok string) error {
	sid, expiresAt, ok := s.accessToken(r.Context(), tok)
	if !ok {
		return ErrInvalidCredentials
	}
	now := s.sessionNow(sid)
	note(r.Context(), func(v *verdict) { v.sessionID = sid })
	// RFC 6750 §3.1: an expired access token is invalid_token; the client refreshes.
	if !expiresAt.IsZero() && !now.Before(expiresAt) {
		return ErrAccessTokenExpired
	}
	sess, err := s.store.Get(r.Context(), sid)
	switch {
	case errors.Is(err, session.ErrNotFound):
		return ErrInvalidCredentials // reset or swept: the mock no longer knows it
	case err != nil:
		return err
	case sess.Revoked():
		return ErrSessionRevoked
	case !now.Before(sess.AccessExpiresAt) || !now.Before(sess.ExpiresAt):
		return ErrAccessTokenExpired // expired early through POST /__mock/sessions/{id}/expire
	}
	return nil
}

// anonymousAllowed reports whether op may be called without credentials: it declares no
// security, or an empty requirement among its alternatives.
func anonymousAllowed(op *spec.Operation) bool {
	reqs := op.Security()
	if len(reqs) == 0 {
		return true
	}
	for _, req := range reqs {
		if len(req) == 0 {
			return true
		}
	}
	return false
}

// findOperation resolves an operationId or "METHOD /path".
func (s *Server) findOperation(name string) (*spec.Operation, bool) {
	if op, ok := s.doc.Operation(name); ok {
		return op, true
	}
	method, path, _ := strings.Cut(strings.TrimSpace(name), " ")
	for _, op := range s.doc.Operations() {
		if strings.EqualFold(op.Method, method) && op.Path == strings.TrimSpace(path) {
			return op, true
		}
	}
	return nil, false
}

func (s *Server) operationNames() []string {
	var names []string
	for _, op := range s.doc.Operations() {
		names = append(names, operationName(op))
	}
	sort.Strings(names)
	return names
}
