package mock

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/appmaker/refresh-conformance/spec"
)

// Errors a refresh can end in. Each maps to one status, message and machine code below.
var (
	ErrMissingCredentials  = errors.New("missing credentials")
	ErrInvalidCredentials  = errors.New("invalid credentials")
	ErrInvalidRefreshToken = errors.New("invalid refresh token")
	ErrRefreshTokenExpired = errors.New("refresh token expired")
	ErrRefreshTokenReused  = errors.New("refresh token reused")
	ErrSessionRevoked      = errors.New("session revoked")
)

// Machine codes, sent in the X-Mock-Error header so a frontend test can tell causes apart.
const (
	CodeMissingCredentials  = "missing_credentials"
	CodeInvalidCredentials  = "invalid_credentials"
	CodeInvalidRefreshToken = "invalid_refresh_token"
	CodeRefreshTokenExpired = "refresh_token_expired"
	CodeRefreshTokenReused  = "refresh_token_reused"
	CodeSessionRevoked      = "session_revoked"
	CodeValidationFailed    = "validation_failed"
	CodeNotFound            = "not_found"
	CodeMethodNotAllowed    = "method_not_allowed"
	CodeInternal            = "internal_error"
)

// HeaderError carries the machine code of an error answer.
const HeaderError = "X-Mock-Error"

type problem struct {
	status  int
	code    string
	message string
}

var problems = map[error]problem{
	ErrMissingCredentials: {http.StatusUnauthorized, CodeMissingCredentials,
		"no credentials: send the access token as 'Authorization: Bearer <token>' or in the 'x-access-token' header"},
	ErrInvalidCredentials: {http.StatusUnauthorized, CodeInvalidCredentials,
		"the access token was not signed by this mock; get one from POST /__mock/sessions"},
	ErrInvalidRefreshToken: {http.StatusUnauthorized, CodeInvalidRefreshToken,
		"the refresh token was not issued by this mock"},
	ErrRefreshTokenExpired: {http.StatusUnauthorized, CodeRefreshTokenExpired,
		"the refresh token has expired; sign in again"},
	ErrRefreshTokenReused: {http.StatusUnauthorized, CodeRefreshTokenReused,
		"the refresh token was already used; its session is now revoked, sign in again"},
	ErrSessionRevoked: {http.StatusUnauthorized, CodeSessionRevoked,
		"the session of this refresh token was revoked; sign in again"},
}

// ValidationFailure is a request the document rejects: each field maps to what is wrong with it.
type ValidationFailure struct {
	Fields map[string][]string
}

func (v *ValidationFailure) Error() string {
	keys := make([]string, 0, len(v.Fields))
	for k := range v.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+strings.Join(v.Fields[k], "; "))
	}
	return "invalid request: " + strings.Join(parts, ", ")
}

func invalid(field, message string) *ValidationFailure {
	return &ValidationFailure{Fields: map[string][]string{field: {message}}}
}

// setCommonHeaders marks every answer as JSON that no cache may keep (RFC 6749 §5.1).
func setCommonHeaders(h http.Header) {
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}

// writeError answers err with the body the document declares for its status.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var vf *ValidationFailure
	if errors.As(err, &vf) {
		w.Header().Set(HeaderError, CodeValidationFailed)
		writeJSON(w, http.StatusBadRequest, spec.ValidationErrorBody{ValidationError: vf.Fields})
		return
	}
	for sentinel, p := range problems {
		if errors.Is(err, sentinel) {
			w.Header().Set(HeaderError, p.code)
			writeJSON(w, p.status, spec.UnauthorizedError{APIError: []string{p.message}})
			return
		}
	}
	// Not expected: log it, and still answer with a status and body the document declares.
	s.cfg.logger.ErrorContext(r.Context(), "unexpected error", "method", r.Method, "path", r.URL.Path, "error", err.Error())
	w.Header().Set(HeaderError, CodeInternal)
	writeJSON(w, http.StatusUnauthorized, spec.UnauthorizedError{APIError: []string{"the mock failed to handle this request; see its log"}})
}

// writeRouteError answers a request outside the document's operations.
func writeRouteError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set(HeaderError, code)
	writeJSON(w, status, spec.UnauthorizedError{APIError: []string{message}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		body = []byte(`{}`)
	}
	setCommonHeaders(w.Header())
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
