package mock

import (
	"bytes"
	"context"
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// adminPrefix is the mock's own API, outside the document. Frontend test suites rely on it.
const adminPrefix = "/__mock/"

// ControlPlaneDocument is the OpenAPI document of the /__mock/ API, served at
// GET /__mock/openapi.json.
//
//go:embed controlplane.openapi.json
var controlPlaneDocument []byte

// ControlPlaneDocument returns the OpenAPI document describing the /__mock/ API.
func ControlPlaneDocument() []byte { return append([]byte(nil), controlPlaneDocument...) }

// adminError is the body of every /__mock/ error.
type adminError struct {
	Error string `json:"error"`
}

func (s *Server) routeAdmin() {
	for _, rt := range []struct {
		method, path string
		h            http.HandlerFunc
	}{
		{http.MethodGet, "openapi.json", s.handleControlPlaneDocument},
		{http.MethodPost, "sessions", s.handleNewSession},
		{http.MethodGet, "sessions", s.handleListSessions},
		{http.MethodGet, "sessions/{id}", s.handleGetSession},
		{http.MethodDelete, "sessions/{id}", s.handleRevokeSession},
		{http.MethodPost, "sessions/{id}/expire", s.handleExpireSession},
		{http.MethodGet, "clock", s.handleGetClock},
		{http.MethodPost, "clock", s.handleSetClock},
		{http.MethodGet, "faults", s.handleListFaults},
		{http.MethodPost, "faults", s.handleAddFault},
		{http.MethodDelete, "faults", s.handleClearFaults},
		{http.MethodDelete, "faults/{id}", s.handleDeleteFault},
		{http.MethodGet, "events", s.handleEvents},
		{http.MethodPost, "reset", s.handleReset},
	} {
		s.admin.handle(rt.method, adminPrefix+rt.path, rt.h)
	}
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if s.cfg.adminToken != "" {
		bearer, _ := credentials(r)
		if subtle.ConstantTimeCompare([]byte(bearer), []byte(s.cfg.adminToken)) != 1 {
			s.writeAdminError(w, r, ErrAdminUnauthorized)
			return
		}
	}
	s.serveRoute(w, r, &s.admin)
}

// decodeAdminBody reads a JSON object into dst, refusing unknown fields so that a typo
// is an error rather than a silently ignored setting. like shows the caller a valid body.
func decodeAdminBody(w http.ResponseWriter, r *http.Request, dst any, like string, emptyOK bool) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		return badRequest("the body could not be read or is larger than 64 KiB")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if emptyOK {
			return nil
		}
		return badRequest("the body is missing: send a JSON object like " + like)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return badRequest("the body must be a JSON object like " + like + ": " + err.Error())
	}
	return nil
}

func (s *Server) handleControlPlaneDocument(w http.ResponseWriter, _ *http.Request) {
	setCommonHeaders(w.Header())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(controlPlaneDocument)
}

// Reset empties sessions, fault rules and events, then creates the fixtures' sessions
// again. The clock keeps its offset.
func (s *Server) Reset(ctx context.Context) error {
	if err := s.store.Reset(ctx); err != nil {
		return err
	}
	s.faults.remove(0)
	s.events.clear()
	s.expiredEarly.Clear()
	return s.seedFixtures(ctx)
}

func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	if err := s.Reset(r.Context()); err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"fixtures": len(s.cfg.fixtures)})
}

// ClockRequest is the body of POST /__mock/clock: exactly one of its fields.
type ClockRequest struct {
	Advance string `json:"advance,omitempty"` // moves the clock by this much ("15m", "8d")
	Offset  string `json:"offset,omitempty"`  // sets the clock to real time plus this ("-30s", "0s")
}

// ClockView is the body of GET and POST /__mock/clock.
type ClockView struct {
	Now           time.Time `json:"now"`
	Offset        string    `json:"offset"`
	OffsetSeconds float64   `json:"offsetSeconds"`
	Adjustable    bool      `json:"adjustable"`
}

func (s *Server) clockView() ClockView {
	v := ClockView{Now: s.clock.Now(), Offset: "0s"}
	if c, ok := s.clock.(AdjustableClock); ok {
		off := c.Offset()
		v.Offset, v.OffsetSeconds, v.Adjustable = off.String(), off.Seconds(), true
	}
	return v
}

func (s *Server) handleGetClock(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.clockView())
}

func (s *Server) handleSetClock(w http.ResponseWriter, r *http.Request) {
	var req ClockRequest
	if err := decodeAdminBody(w, r, &req, `{"advance": "15m"} or {"offset": "-30s"}`, false); err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	if err := s.setClock(req); err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.clockView())
}

func (s *Server) setClock(req ClockRequest) error {
	if (req.Advance == "") == (req.Offset == "") {
		return badRequest(`send exactly one of {"advance": "15m"} or {"offset": "-30s"}`)
	}
	c, ok := s.clock.(AdjustableClock)
	if !ok {
		return fmt.Errorf("%w: the server was given a clock without Advance and SetOffset (WithClock); give it an OffsetClock or a FakeClock", ErrClockFixed)
	}
	text := req.Advance + req.Offset
	d, err := parseDuration(text)
	if err != nil {
		return badRequest(fmt.Sprintf("%q is not a duration; write e.g. \"15m\", \"-30s\", \"1h30m\" or \"8d\"", text))
	}
	if req.Advance != "" {
		c.Advance(d)
	} else {
		c.SetOffset(d)
	}
	return nil
}

// parseDuration reads a Go duration, with days ("8d", "1d12h") added for token lifetimes.
func parseDuration(text string) (time.Duration, error) {
	sign, rest := time.Duration(1), text
	if len(rest) > 0 && (rest[0] == '-' || rest[0] == '+') {
		if rest[0] == '-' {
			sign = -1
		}
		rest = rest[1:]
	}
	var days time.Duration
	if i := strings.IndexByte(rest, 'd'); i > 0 {
		n, err := strconv.Atoi(rest[:i])
		if err != nil || n > 36500 {
			return 0, errors.New("bad day count")
		}
		days, rest = time.Duration(n)*24*time.Hour, rest[i+1:]
		if rest == "" {
			return sign * days, nil
		}
	}
	d, err := time.ParseDuration(rest)
	if err != nil || d < 0 {
		return 0, errors.New("bad duration")
	}
	return sign * (days + d), nil
}

func (s *Server) handleListFaults(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string][]FaultRule{"faults": s.faults.list()})
}

func (s *Server) handleAddFault(w http.ResponseWriter, r *http.Request) {
	var req FaultRequest
	if err := decodeAdminBody(w, r, &req, `{"operation": "refreshToken", "status": 401, "code": "refresh_token_expired"}`, false); err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	f, err := s.newFault(req)
	if err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.faults.add(f))
}

func (s *Server) handleClearFaults(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]int{"cleared": s.faults.remove(0)})
}

func (s *Server) handleDeleteFault(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || id < 1 || s.faults.remove(id) == 0 {
		s.writeAdminError(w, r, fmt.Errorf("fault rule %q: %w", r.PathValue("id"), ErrFaultNotFound))
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"cleared": 1})
}
