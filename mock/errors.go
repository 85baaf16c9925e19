package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/appmaker/refresh-conformance/internal/journal"
	"github.com/appmaker/refresh-conformance/internal/redact"
	"github.com/appmaker/refresh-conformance/mock/session"
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
	ErrAccessTokenExpired  = errors.New("access token expired")
)

// ErrBearerOnly is an access token sent in x-access-token to an operation whose security reads
// it only from Authorization: Bearer.
var ErrBearerOnly = errors.New("credential not accepted: bearer only")

// CodeCredentialNotAccepted: a credential sent where the operation does not read it.
const CodeCredentialNotAccepted = "credential_not_accepted"

// Errors of the control plane, answered with an adminError body.
var (
	ErrAdminUnauthorized = errors.New("the control plane needs 'Authorization: Bearer <admin token>' (--admin-token)")
	ErrClockFixed        = errors.New("this mock runs on a clock it cannot move")
	ErrFaultNotFound     = errors.New("no such fault rule")
	ErrTooManyStreams    = journal.ErrTooManyStreams
	ErrEventsOff         = errors.New("events are not recorded (--events 0)")
	ErrDiagnosticsOff    = errors.New("client diagnostics are off (--diagnostics=false)")
)

// Machine codes, sent in the X-Mock-Error header so a frontend test can tell causes apart.
const (
	CodeMissingCredentials  = "missing_credentials"
	CodeInvalidCredentials  = "invalid_credentials"
	CodeInvalidRefreshToken = "invalid_refresh_token"
	CodeRefreshTokenExpired = "refresh_token_expired"
	CodeRefreshTokenReused  = "refresh_token_reused"
	CodeSessionRevoked      = "session_revoked"
	CodeAccessTokenExpired  = "access_token_expired"
	CodeForced              = "forced"
	CodeValidationFailed    = "validation_failed"
	CodeNotFound            = "not_found"
	CodeMethodNotAllowed    = "method_not_allowed"
	CodeInternal            = "internal_error"
	CodeStoreUnavailable    = "store_unavailable"
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
	ErrBearerOnly: {http.StatusUnauthorized, CodeCredentialNotAccepted,
		"this operation takes the access token only as 'Authorization: Bearer <token>'; it does not read the 'x-access-token' header"},
	ErrInvalidRefreshToken: {http.StatusUnauthorized, CodeInvalidRefreshToken,
		"the refresh token was not issued by this mock"},
	ErrRefreshTokenExpired: {http.StatusUnauthorized, CodeRefreshTokenExpired,
		"the refresh token has expired; sign in again"},
	ErrRefreshTokenReused: {http.StatusUnauthorized, CodeRefreshTokenReused,
		"the refresh token was already used; its session is now revoked, sign in again"},
	ErrSessionRevoked: {http.StatusUnauthorized, CodeSessionRevoked,
		"the session was revoked (one of its refresh tokens was used twice, or the control plane revoked it); sign in again"},
	ErrAccessTokenExpired: {http.StatusUnauthorized, CodeAccessTokenExpired,
		"the access token has expired; refresh it"},
	// Outside the document, and never a 401 that would sign a user out: the mock could
	// not decide, so the client should retry later.
	session.ErrUnavailable: {http.StatusServiceUnavailable, CodeStoreUnavailable,
		"the mock's session store cannot be reached; retry later"},
}

// internalProblem answers an error the table does not know: a bug of the mock, answered
// 500 so that a client does not take it for a logout.
var internalProblem = problem{http.StatusInternalServerError, CodeInternal, "the mock failed to handle this request; see its log"}

// problemByCode finds the problem behind a machine code, for answers a fault forces.
func problemByCode(code string) (problem, bool) {
	for _, p := range problems {
		if p.code == code {
			return p, true
		}
	}
	return problem{}, false
}

// unauthorizedCodes lists the machine codes of 401 answers.
func unauthorizedCodes() []string {
	var codes []string
	for _, p := range problems {
		codes = append(codes, p.code)
	}
	sort.Strings(codes)
	return codes
}

// forcedError is an answer a fault rule or a Prefer header asked for in place of the
// operation's own: the status is declared, the body is the one the document gives it.
type forcedError struct {
	status int
	code   string // machine code; "" for CodeForced
	cause  string // what asked: "fault rule 2 (POST /__mock/faults)", "the request's Prefer header"
	field  string // the validationError key of a forced 400
}

func (e *forcedError) Error() string {
	return fmt.Sprintf("answered %d as %s asked", e.status, e.cause)
}

func (e *forcedError) answer() (code string, body any) {
	msg := fmt.Sprintf("answered %d because %s asked for it", e.status, e.cause)
	code = e.code
	if p, ok := problemByCode(code); ok && p.status == e.status {
		msg = p.message
	}
	if code == "" {
		code = CodeForced
	}
	if e.status == http.StatusBadRequest {
		return code, spec.ValidationErrorBody{ValidationError: map[string][]string{e.field: {msg}}}
	}
	return code, spec.UnauthorizedError{APIError: []string{msg}}
}

// requestError is a control-plane request the mock cannot act on; its text says why.
type requestError struct{ msg string }

func (e *requestError) Error() string { return e.msg }

func badRequest(msg string) error { return &requestError{msg} }

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
	h["Content-Type"] = contentTypeJSON
	h["Cache-Control"] = cacheControlNoStore
	h["Pragma"] = pragmaNoCache
}

// The values setCommonHeaders puts in every answer, shared rather than allocated per
// answer: net/http only reads a handler's header values, and nothing here changes them
// in place (a change replaces the slice).
var (
	contentTypeJSON     = []string{"application/json"}
	cacheControlNoStore = []string{"no-store"}
	pragmaNoCache       = []string{"no-cache"}
)

// errorAnswer maps err to its status, machine code and the body the refresh document
// declares for that status.
func (s *Server) errorAnswer(r *http.Request, err error) (status int, code string, body any) {
	var vf *ValidationFailure
	if errors.As(err, &vf) {
		note(r.Context(), func(v *verdict) { v.validation = vf.Fields })
		return http.StatusBadRequest, CodeValidationFailed, spec.ValidationErrorBody{ValidationError: vf.Fields}
	}
	var forced *forcedError
	if errors.As(err, &forced) {
		code, body := forced.answer()
		return forced.status, code, body
	}
	for sentinel, p := range problems {
		if errors.Is(err, sentinel) {
			return p.status, p.code, spec.UnauthorizedError{APIError: []string{p.message}}
		}
	}
	// Not expected: log it, and answer 500 with the document's error shape.
	s.cfg.logger.ErrorContext(r.Context(), "unexpected error", "method", r.Method, "path", r.URL.Path, "error", redact.JWTs(err.Error()))
	return internalProblem.status, internalProblem.code, spec.UnauthorizedError{APIError: []string{internalProblem.message}}
}

// writeError answers err on op with a status op declares and a body valid for it: the
// mock's own explanation where the document accepts its shape, else one built from the
// document's examples or schema. A nil op gets the refresh document's bodies.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, op *spec.Operation, err error) {
	status, code, body := s.errorAnswer(r, err)
	w.Header().Set(HeaderError, code)
	if op != nil && op != s.refresh {
		var vf *ValidationFailure
		if errors.As(err, &vf) {
			status = validationStatus(op, vf)
		}
		setChallenge(w.Header(), op, status, err, body)
		if op.DeclaresStatus(status) && !s.bodyFits(r, op, status, body) {
			s.respond(w, r, op, status, preference{})
			return
		}
	}
	writeJSON(w, status, body)
}

// writeAdminError answers a control-plane error.
func (s *Server) writeAdminError(w http.ResponseWriter, r *http.Request, err error) {
	var re *requestError
	status := http.StatusInternalServerError
	switch {
	case errors.As(err, &re):
		status = http.StatusBadRequest
	case errors.Is(err, ErrAdminUnauthorized):
		status = http.StatusUnauthorized
	case errors.Is(err, session.ErrNotFound), errors.Is(err, ErrFaultNotFound):
		status = http.StatusNotFound
	case errors.Is(err, ErrClockFixed), errors.Is(err, session.ErrExists), errors.Is(err, ErrEventsOff), errors.Is(err, ErrDiagnosticsOff):
		status = http.StatusConflict
	case errors.Is(err, session.ErrUnavailable):
		status = http.StatusServiceUnavailable
	case errors.Is(err, ErrNothingToReplay):
		status = http.StatusConflict
	case errors.Is(err, ErrTooManyStreams):
		status = http.StatusTooManyRequests
	}
	msg := err.Error()
	if status == http.StatusInternalServerError {
		s.cfg.logger.ErrorContext(r.Context(), "control plane", "method", r.Method, "path", r.URL.Path, "error", msg)
		msg = "the mock failed to handle this request; see its log"
	}
	writeJSON(w, status, adminError{msg})
}

// writeRouteError answers a request outside the document's operations.
func writeRouteError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set(HeaderError, code)
	writeJSON(w, status, spec.UnauthorizedError{APIError: []string{message}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false) // messages quote <placeholders>; keep them readable in a terminal
	if err := enc.Encode(v); err != nil {
		body.Reset()
		body.WriteString(`{}`)
	}
	setCommonHeaders(w.Header())
	w.WriteHeader(status)
	_, _ = w.Write(bytes.TrimSuffix(body.Bytes(), []byte("\n")))
}
