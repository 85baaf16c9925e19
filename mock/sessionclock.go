package mock

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/appmaker/refresh-conformance/mock/session"
)

// maxSessionOffset bounds how far ahead of the mock's clock a session may live.
const maxSessionOffset = 36500 * 24 * time.Hour

// sessionClocks holds the offsets of the sessions that live ahead of the mock's clock
// (POST /__mock/sessions/{id}/clock), so that one parallel worker can age its session
// without moving anyone else's. The map is replaced whole on each change: the refresh
// path reads it with one atomic load and no lock.
type sessionClocks struct {
	mu      sync.Mutex // serialises writers
	offsets atomic.Pointer[map[string]time.Duration]
}

func (c *sessionClocks) offset(id string) time.Duration {
	if m := c.offsets.Load(); m != nil {
		return (*m)[id]
	}
	return 0
}

// update applies fn to a copy of the offsets and publishes it.
func (c *sessionClocks) update(fn func(m map[string]time.Duration)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	next := map[string]time.Duration{}
	if m := c.offsets.Load(); m != nil {
		for id, d := range *m {
			next[id] = d
		}
	}
	fn(next)
	c.offsets.Store(&next)
}

// reset forgets every offset.
func (c *sessionClocks) reset() { c.update(func(m map[string]time.Duration) { clear(m) }) }

// prune forgets the offsets of sessions the store no longer has (swept or reset).
func (c *sessionClocks) prune(ctx context.Context, st session.Store) {
	m := c.offsets.Load()
	if m == nil || len(*m) == 0 {
		return
	}
	var gone []string
	for id := range *m {
		if _, err := st.Get(ctx, id); errors.Is(err, session.ErrNotFound) {
			gone = append(gone, id)
		}
	}
	if len(gone) > 0 {
		c.update(func(m map[string]time.Duration) {
			for _, id := range gone {
				delete(m, id)
			}
		})
	}
}

// sessionNow is the time of session id: the mock's clock plus the session's own offset.
// Every expiry decision about the session, and the times in the tokens minted for it,
// follow it.
func (s *Server) sessionNow(id string) time.Time {
	return s.clock.Now().Add(s.sessionClocks.offset(id))
}

// SetSessionClock moves the clock of one session: advance adds to its offset, offset
// replaces it. A session lives at or ahead of the mock's clock, never behind it, so that
// what the sweeper drops by the mock's clock is expired by the session's too.
func (s *Server) SetSessionClock(ctx context.Context, id string, req ClockRequest) (session.Session, error) {
	if (req.Advance == "") == (req.Offset == "") {
		return session.Session{}, badRequest(`send exactly one of {"advance": "8d"} or {"offset": "0s"}`)
	}
	text := req.Advance + req.Offset
	d, err := parseDuration(text)
	if err != nil {
		return session.Session{}, badRequest(fmt.Sprintf("%q is not a duration; write e.g. \"15m\", \"1h30m\" or \"8d\"", text))
	}
	sess, err := s.store.Get(ctx, id)
	if err != nil {
		return session.Session{}, err
	}
	var refused error
	s.sessionClocks.update(func(m map[string]time.Duration) {
		next := d
		if req.Advance != "" {
			next = m[id] + d
		}
		if next < 0 || next > maxSessionOffset {
			refused = badRequest(fmt.Sprintf("a session's clock runs from 0s to %s ahead of the mock's, not %s; move the mock's clock (POST /__mock/clock) to go back", maxSessionOffset, next))
			return
		}
		if next == 0 {
			delete(m, id)
		} else {
			m[id] = next
		}
	})
	return sess, refused
}

func (s *Server) handleSessionClock(w http.ResponseWriter, r *http.Request) {
	var req ClockRequest
	if err := decodeAdminBody(w, r, &req, `{"advance": "8d"} or {"offset": "0s"}`, false); err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	id := s.resolveSessionID(r.PathValue("id"))
	sess, err := s.SetSessionClock(r.Context(), id, req)
	s.writeSession(w, r, id, sess, err)
}
