package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/appmaker/refresh-conformance/mock/session"
	"github.com/appmaker/refresh-conformance/mock/token"
	"github.com/appmaker/refresh-conformance/spec"
)

// maxScopeSub bounds the sub a fault rule may be limited to.
const maxScopeSub = 256

// scope is whose a request is, as far as the mock can tell before running it: the session
// its tokens name and that session's subject. Zero when it cannot tell.
type scope struct {
	sessionID, sub string
}

// scoped reports whether the rule is limited to a session or a sub.
func (f *fault) scoped() bool { return f.rule.SessionID != "" || f.rule.Sub != "" }

// covers reports whether the rule applies to a request of who.
func (f *fault) covers(who scope) bool {
	return (f.rule.SessionID == "" || f.rule.SessionID == who.sessionID) &&
		(f.rule.Sub == "" || f.rule.Sub == who.sub)
}

func (f *fault) scopeText() string {
	switch {
	case f.rule.SessionID != "":
		return " for session " + f.rule.SessionID
	case f.rule.Sub != "":
		return fmt.Sprintf(" for sub %q", f.rule.Sub)
	}
	return ""
}

// scopeFault limits f to the session or sub req names. A session must exist (a fixture
// may be named); a sub need not have a session yet.
func (s *Server) scopeFault(ctx context.Context, f *fault, req FaultRequest) error {
	if len(req.Sub) > maxScopeSub {
		return badRequest(fmt.Sprintf("sub: at most %d bytes", maxScopeSub))
	}
	if req.SessionID == "" {
		return nil
	}
	id := s.resolveSessionID(req.SessionID)
	sess, err := s.store.Get(ctx, id)
	if errors.Is(err, session.ErrNotFound) {
		return badRequest(fmt.Sprintf("sessionId %q: no such session (POST /__mock/sessions starts one)", req.SessionID))
	}
	if err != nil {
		return err
	}
	if req.Sub != "" && req.Sub != sess.Sub {
		return badRequest(fmt.Sprintf("sessionId %q belongs to another sub than %q: give one of them", req.SessionID, req.Sub))
	}
	f.rule.SessionID = id
	return nil
}

// requestScope finds whose a request is, before the operation runs, for the rules limited
// to a session or sub: from its access token (a signed one names its session), else on
// the refresh operation from its refresh token. The body read for that is put back.
func (s *Server) requestScope(r *http.Request, op *spec.Operation) scope {
	sid := ""
	bearer, apiKey := credentials(r)
	for _, tok := range []string{bearer, apiKey} {
		if tok == "" {
			continue
		}
		if id, _, ok := s.accessToken(r.Context(), tok); ok {
			sid = id
			break
		}
	}
	if sid == "" && op == s.refresh {
		sid = s.refreshTokenSession(r)
	}
	if sid == "" {
		return scope{}
	}
	sess, err := s.store.Get(r.Context(), sid)
	if err != nil {
		return scope{sessionID: sid}
	}
	return scope{sessionID: sid, sub: sess.Sub}
}

// refreshTokenSession reads the refresh token of a refresh request's body, leaving the
// body as it was for the operation, and returns the session it belongs to, if any.
func (s *Server) refreshTokenSession(r *http.Request) string {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	r.Body = readCloser{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
	if err != nil {
		return ""
	}
	var req spec.RefreshTokenRequest
	if json.Unmarshal(body, &req) != nil || req.RefreshToken == "" {
		return ""
	}
	h := token.HashOf(req.RefreshToken)
	if sess, err := s.store.FindCurrent(r.Context(), h); err == nil {
		return sess.ID
	}
	if fx, ok := s.fixtures.Load().refresh[h]; ok {
		return fx.sessionID
	}
	if claims, err := s.minter.VerifyRefresh(req.RefreshToken); err == nil {
		return claims.Sid
	}
	return ""
}

// readCloser reads from one reader and closes another: a body partly read ahead.
type readCloser struct {
	io.Reader
	io.Closer
}
