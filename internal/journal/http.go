package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// MaxStreams bounds the open ?follow=1 streams of one Log: each holds a connection and a
// goroutine.
const MaxStreams = 32

// DefaultLimit is how many events a list answers without ?limit=.
const DefaultLimit = 100

// ErrTooManyStreams is Follow's answer past MaxStreams.
var ErrTooManyStreams = errors.New("too many event streams are open")

// QueryError is a query a Log cannot answer; its text says why.
type QueryError struct{ Msg string }

func (e *QueryError) Error() string { return e.Msg }

// Query is what a GET of the events asks: the last Limit events after Since, or with
// Follow a stream of each new one.
type Query struct {
	Limit int
	// Since is ?since=, or the Last-Event-ID an EventSource sends when it reconnects;
	// SinceGiven says it was given at all.
	Since      uint64
	SinceGiven bool
	Follow     bool
}

// ParseQuery reads ?limit= (a positive integer, default DefaultLimit), ?since= (or
// Last-Event-ID) and ?follow=1.
func ParseQuery(r *http.Request) (Query, error) {
	q := Query{Limit: DefaultLimit}
	values := r.URL.Query()
	if v := values.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return Query{}, &QueryError{fmt.Sprintf("limit=%q: want a positive integer", v)}
		}
		q.Limit = n
	}
	v := values.Get("since")
	if v == "" {
		v = r.Header.Get("Last-Event-ID")
	}
	if v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return Query{}, &QueryError{fmt.Sprintf("since=%q: want an event id", v)}
		}
		q.Since, q.SinceGiven = n, true
	}
	f := values.Get("follow")
	q.Follow = f == "1" || f == "true"
	return q, nil
}

// List is the body of a GET of the events.
type List[E any] struct {
	Events []E `json:"events"`
	// Missed counts events newer than ?since= that the buffer no longer holds.
	Missed uint64 `json:"missed"`
	// Newest is the id of the newest event: pass it as ?since= to read only what follows.
	Newest uint64 `json:"newest"`
}

// List answers q's list: never a null list of events.
func (l *Log[E]) List(q Query) List[E] {
	events, missed := l.After(q.Since, q.Limit)
	if events == nil {
		events = []E{}
	}
	return List[E]{Events: events, Missed: missed, Newest: l.Newest()}
}

// Follow streams every event after q's start as text/event-stream until the client leaves
// or the server stops: from q.Since when given, else from now on. name is each event's SSE
// event name. Past MaxStreams it answers nothing and returns ErrTooManyStreams.
func (l *Log[E]) Follow(w http.ResponseWriter, r *http.Request, q Query, name func(E) string) error {
	since := q.Since
	switch newest := l.Newest(); {
	case !q.SinceGiven:
		since = newest
	case since > newest:
		since = 0 // an id from an earlier run: everything here is newer
	}
	if l.streams.Add(1) > MaxStreams {
		l.streams.Add(-1)
		return ErrTooManyStreams
	}
	defer l.streams.Add(-1)
	rc := http.NewResponseController(w)
	// The stream is meant to outlive the server's write timeout.
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// A first comment, flushed at once, tells the client the stream is open: events from
	// here on are in it.
	_, _ = fmt.Fprint(w, ": following events\n\n")
	for {
		if err := rc.Flush(); err != nil {
			return nil
		}
		if !l.wait(r.Context(), since) {
			return nil
		}
		entries, missed := l.entries(since, 0)
		if missed > 0 {
			since += missed
			_, _ = fmt.Fprintf(w, ": %d events were overwritten before they could be sent\n\n", missed)
		}
		for _, e := range entries {
			data, _ := json.Marshal(e.ev)
			_, _ = fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.id, name(e.ev), data)
			since = e.id
		}
	}
}
