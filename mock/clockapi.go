package mock

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

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

func (s *Server) clockView(ctx context.Context) (ClockView, error) {
	if c, ok := s.clock.(*sharedClock); ok {
		off, err := c.offset(ctx)
		if err != nil {
			return ClockView{}, err
		}
		return ClockView{Now: c.base.Now().Add(off), Offset: off.String(), OffsetSeconds: off.Seconds(), Adjustable: true}, nil
	}
	v := ClockView{Now: s.clock.Now(), Offset: "0s"}
	if c, ok := s.clock.(AdjustableClock); ok {
		off := c.Offset()
		v.Offset, v.OffsetSeconds, v.Adjustable = off.String(), off.Seconds(), true
	}
	return v, nil
}

func (s *Server) handleGetClock(w http.ResponseWriter, r *http.Request) {
	s.writeClock(w, r)
}

func (s *Server) handleSetClock(w http.ResponseWriter, r *http.Request) {
	var req ClockRequest
	if err := decodeAdminBody(w, r, &req, `{"advance": "15m"} or {"offset": "-30s"}`, false); err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	if err := s.setClock(r.Context(), req); err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	s.writeClock(w, r)
}

func (s *Server) writeClock(w http.ResponseWriter, r *http.Request) {
	v, err := s.clockView(r.Context())
	if err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) setClock(ctx context.Context, req ClockRequest) error {
	if (req.Advance == "") == (req.Offset == "") {
		return badRequest(`send exactly one of {"advance": "15m"} or {"offset": "-30s"}`)
	}
	shared, isShared := s.clock.(*sharedClock)
	c, ok := s.clock.(AdjustableClock)
	if !ok && !isShared {
		return fmt.Errorf("%w: the server was given a clock without Advance and SetOffset (WithClock); give it an OffsetClock or a FakeClock", ErrClockFixed)
	}
	text := req.Advance + req.Offset
	d, err := parseDuration(text)
	if err != nil {
		return badRequest(fmt.Sprintf("%q is not a duration; write e.g. \"15m\", \"-30s\", \"1h30m\" or \"8d\"", text))
	}
	switch {
	case isShared && req.Advance != "":
		return shared.advance(ctx, d)
	case isShared:
		return shared.setOffset(ctx, d)
	case req.Advance != "":
		c.Advance(d)
	default:
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
