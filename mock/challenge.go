package mock

import (
	"errors"
	"net/http"
	"strings"

	"github.com/appmaker/refresh-conformance/spec"
)

// setChallenge adds the WWW-Authenticate challenge of RFC 6750 §3 to a 401 from an operation
// that takes bearer tokens. error="invalid_token" with the answer's message lets a client tell
// "refresh now" (access_token_expired) from "sign in again" without the mock's X-Mock-Error.
func setChallenge(h http.Header, op *spec.Operation, status int, err error, body any) {
	if status != http.StatusUnauthorized || !readsBearer(op) {
		return
	}
	// RFC 6750 §3.1: a request with no credential, or one sent by a method the operation does
	// not support, gets the challenge without an error code.
	if errors.Is(err, ErrMissingCredentials) || errors.Is(err, ErrBearerOnly) {
		h.Set("WWW-Authenticate", "Bearer")
		return
	}
	challenge := `Bearer error="invalid_token"`
	if b, ok := body.(spec.UnauthorizedError); ok && len(b.APIError) > 0 {
		challenge += `, error_description="` + descriptionChars(b.APIError[0]) + `"`
	}
	h.Set("WWW-Authenticate", challenge)
}

// descriptionChars keeps what RFC 6750 §3 allows in error_description (%x20-21 / %x23-5B /
// %x5D-7E): a double quote becomes a single one, anything else outside it a question mark.
func descriptionChars(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case r < 0x20 || r > 0x7e || r == '\\':
			return '?'
		}
		return r
	}, s)
}

// readsBearer reports whether one of op's security alternatives takes an HTTP bearer token.
func readsBearer(op *spec.Operation) bool {
	for _, req := range op.Security() {
		for _, scheme := range req {
			if isBearer(scheme) {
				return true
			}
		}
	}
	return false
}

// readsOnlyBearer reports whether op takes an access token from Authorization: Bearer and from
// no x-access-token header.
func readsOnlyBearer(op *spec.Operation) bool {
	if !readsBearer(op) {
		return false
	}
	for _, req := range op.Security() {
		for _, scheme := range req {
			if scheme.Type == "apiKey" && scheme.In == "header" && strings.EqualFold(scheme.Param, "x-access-token") {
				return false
			}
		}
	}
	return true
}

func isBearer(s spec.SecurityScheme) bool { return s.Type == "http" && s.Scheme == "bearer" }

// noteSession notes the session the first of tokens names, if it is an access token of this mock:
// every event whose token identifies a session carries its id.
func (s *Server) noteSession(r *http.Request, tokens ...string) {
	for _, tok := range tokens {
		if tok == "" {
			continue
		}
		if sid, _, ok := s.accessToken(r.Context(), tok); ok {
			note(r.Context(), func(v *verdict) { v.sessionID = sid })
			return
		}
	}
}
