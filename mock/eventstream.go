package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// maxEventStreams bounds the open ?follow=1 streams: each holds a connection and a goroutine.
const maxEventStreams = 32

// EventList is the body of GET /__mock/events.
type EventList struct {
	Events []Event `json:"events"`
	// Missed counts events newer than ?since= that the buffer no longer holds.
	Missed uint64 `json:"missed"`
	// Newest is the id of the newest event: pass it as ?since= to read only what follows.
	Newest uint64 `json:"newest"`
}

// handleEvents is GET /__mock/events: the last ?limit= events (default 100) after ?since=,
// oldest first; with ?follow=1 a Server-Sent Events stream of each new one.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	if !s.events.enabled() {
		s.writeAdminError(w, r, ErrEventsOff)
		return
	}
	limit, err := queryInt(r, "limit", 100)
	if err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	since, given, err := eventsSince(r)
	if err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	if f := r.URL.Query().Get("follow"); f == "1" || f == "true" {
		switch newest := s.events.newest(); {
		case !given:
			since = newest
		case since > newest:
			since = 0 // an id from an earlier run of the mock: everything here is newer
		}
		s.followEvents(w, r, since)
		return
	}
	events, missed := s.events.after(since, limit)
	if events == nil {
		events = []Event{}
	}
	writeJSON(w, http.StatusOK, EventList{Events: events, Missed: missed, Newest: s.events.newest()})
}

// eventsSince reads ?since=, or the Last-Event-ID an EventSource sends when it reconnects.
func eventsSince(r *http.Request) (uint64, bool, error) {
	v := r.URL.Query().Get("since")
	if v == "" {
		v = r.Header.Get("Last-Event-ID")
	}
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, false, badRequest(fmt.Sprintf("since=%q: want an event id", v))
	}
	return n, true, nil
}

// followEvents streams every event after since as text/event-stream until the client
// leaves or the server shuts down.
func (s *Server) followEvents(w http.ResponseWriter, r *http.Request, since uint64) {
	if s.streams.Add(1) > maxEventStreams {
		s.streams.Add(-1)
		s.writeAdminError(w, r, ErrTooManyStreams)
		return
	}
	defer s.streams.Add(-1)
	rc := http.NewResponseController(w)
	// The stream is meant to outlive the server's write timeout.
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// A first comment, flushed at once, tells the client the stream is open: events from
	// here on are in it.
	_, _ = fmt.Fprint(w, ": following events\n\n")
	for {
		if err := rc.Flush(); err != nil {
			return
		}
		if !s.events.wait(r.Context(), since) {
			return
		}
		events, missed := s.events.after(since, 0)
		if missed > 0 {
			since += missed
			_, _ = fmt.Fprintf(w, ": %d events were overwritten before they could be sent\n\n", missed)
		}
		for _, e := range events {
			data, _ := json.Marshal(e)
			_, _ = fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.ID, e.streamName(), data)
			since = e.ID
		}
	}
}
