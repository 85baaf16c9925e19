package mock

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/appmaker/refresh-conformance/internal/redact"
	"github.com/appmaker/refresh-conformance/mock/diagnose"
	"github.com/appmaker/refresh-conformance/spec"
)

// DefaultEventBuffer is how many requests GET /__mock/events remembers.
const DefaultEventBuffer = 1000

// Event is what the mock did with one request outside its control plane. It never holds
// a token: no header, no body, no query string.
type Event struct {
	ID     uint64    `json:"id"`
	Time   time.Time `json:"time"` // the mock's clock
	Method string    `json:"method"`
	Path   string    `json:"path"`
	// Operation is the operationId, or "METHOD /path" when the document gives none;
	// empty for a path the document does not declare.
	Operation string `json:"operation,omitempty"`
	// Status is 0 when no answer was sent: a lost-response fault, or a client that left.
	Status    int    `json:"status"`
	Code      string `json:"code,omitempty"` // the X-Mock-Error machine code
	SessionID string `json:"sessionId,omitempty"`
	// Fault says which fault rule or Prefer header shaped the answer.
	Fault string `json:"fault,omitempty"`
	// ValidationErrors are the request's problems, as the 400 body lists them.
	ValidationErrors map[string][]string `json:"validationErrors,omitempty"`
	// ResponseErrors are set when the mock could not build an answer the document accepts.
	ResponseErrors []string `json:"responseErrors,omitempty"`
	DurationMs     float64  `json:"durationMs"`
	// Type is EventDiagnostic for a finding of the client diagnostics, which repeats the method,
	// path, status, code and session of the request that completed it; empty for a request.
	Type    string            `json:"type,omitempty"`
	Finding *diagnose.Finding `json:"finding,omitempty"`
}

// verdict collects, while a request is handled, what its event reports beyond the status.
type verdict struct {
	mu             sync.Mutex
	op             *spec.Operation
	sessionID      string
	fault          string
	validation     map[string][]string
	responseErrors []string
	// For the client diagnostics: what the refresh found, and the event id taken when its
	// answer was decided (0: the id is taken when the event is recorded).
	refresh refreshNote
	id      uint64
}

type verdictKey struct{}

// exchange is what ServeHTTP keeps of one request: the writer that sees its status and,
// when its event is recorded, its verdict. It is also the request's context then, so
// that a handler deep down (Refresh takes only a context) can note something, and all of
// it takes one allocation instead of one for each part.
type exchange struct {
	context.Context // the request's own; nil when no event is recorded
	sw              statusWriter
	verdict         verdict
}

// Value answers the request's verdict for verdictKey and asks the request's context for
// anything else.
func (e *exchange) Value(key any) any {
	if _, ok := key.(verdictKey); ok {
		return &e.verdict
	}
	return e.Context.Value(key)
}

// note records something about the current request for its event; a no-op when events are off.
func note(ctx context.Context, fn func(v *verdict)) {
	if v, ok := ctx.Value(verdictKey{}).(*verdict); ok {
		v.mu.Lock()
		fn(v)
		v.mu.Unlock()
	}
}

// eventLog is a ring of the last events. Writers take one slot each without a global lock,
// so recording stays off the refresh path's critical section; followers are woken only
// when there are any.
type eventLog struct {
	slots   []eventSlot
	last    atomic.Uint64 // id of the newest event
	floor   atomic.Uint64 // ids at or below it were cleared by a reset
	waiters atomic.Int32
	mu      sync.Mutex
	wake    chan struct{}
	stop    <-chan struct{} // closed when the server shuts down
}

type eventSlot struct {
	mu sync.Mutex
	ev Event
}

func newEventLog(size int, stop <-chan struct{}) *eventLog {
	return &eventLog{slots: make([]eventSlot, size), wake: make(chan struct{}), stop: stop}
}

func (l *eventLog) enabled() bool { return l != nil && len(l.slots) > 0 }

// add records e, with the id reserved for it or the next one.
func (l *eventLog) add(e Event) {
	if e.ID == 0 {
		e.ID = l.last.Add(1)
	}
	slot := &l.slots[e.ID%uint64(len(l.slots))]
	slot.mu.Lock()
	if slot.ev.ID < e.ID { // a reserved id filled late must not overwrite a newer event
		slot.ev = e
	}
	slot.mu.Unlock()
	if l.waiters.Load() > 0 {
		l.mu.Lock()
		close(l.wake)
		l.wake = make(chan struct{})
		l.mu.Unlock()
	}
}

// after returns up to limit events with ids above since, oldest first, and how many
// were overwritten before they could be read.
func (l *eventLog) after(since uint64, limit int) (events []Event, missed uint64) {
	last := l.last.Load()
	if since > last {
		since = 0 // an id from an earlier run of the mock: everything here is newer
	}
	if floor := l.floor.Load(); since < floor {
		since = floor
	}
	if size := uint64(len(l.slots)); last-since > size {
		missed = last - since - size
		since = last - size
	}
	if n := last - since; limit > 0 && n > uint64(limit) {
		since = last - uint64(limit)
	}
	for id := since + 1; id <= last; id++ {
		slot := &l.slots[id%uint64(len(l.slots))]
		slot.mu.Lock()
		ev := slot.ev
		slot.mu.Unlock()
		if ev.ID < id {
			break // taken by a writer that has not filled it yet: read it next time
		}
		if ev.ID == id {
			events = append(events, ev)
		}
	}
	return events, missed
}

// reserve takes the next id now for an event added later with it: a refresh's findings name
// its event before its answer is sent. Readers stop at a reserved id until it is filled.
func (l *eventLog) reserve() uint64 { return l.last.Add(1) }

// ready reports whether the event after since can be read (or is already overwritten): not
// while its id is reserved and unfilled.
func (l *eventLog) ready(since uint64) bool {
	id := max(since, l.floor.Load()) + 1
	if id > l.last.Load() {
		return false
	}
	slot := &l.slots[id%uint64(len(l.slots))]
	slot.mu.Lock()
	defer slot.mu.Unlock()
	return slot.ev.ID >= id
}

// newest is the id of the newest event.
func (l *eventLog) newest() uint64 { return l.last.Load() }

// clear forgets every event so far; ids keep counting, so followers are not confused.
func (l *eventLog) clear() { l.floor.Store(l.last.Load()) }

// wait blocks until an event newer than since is added, ctx ends or the server stops;
// it reports whether the caller should read again.
func (l *eventLog) wait(ctx context.Context, since uint64) bool {
	l.waiters.Add(1)
	defer l.waiters.Add(-1)
	l.mu.Lock()
	wake := l.wake
	l.mu.Unlock()
	if l.ready(since) {
		return true
	}
	select {
	case <-wake:
		return true
	case <-ctx.Done():
		return false
	case <-l.stop:
		return false
	}
}

func redactFields(fields map[string][]string) map[string][]string {
	out := make(map[string][]string, len(fields))
	for k, msgs := range fields {
		for _, m := range msgs {
			out[k] = append(out[k], redact.JWTs(m))
		}
	}
	return out
}

// record turns a finished request into an event.
func (s *Server) record(method, path string, status int, code string, v *verdict, d time.Duration) {
	v.mu.Lock()
	defer v.mu.Unlock()
	e := Event{
		ID: v.id, Time: s.clock.Now(), Method: redact.JWTs(method), Path: redact.JWTs(path), Status: status, Code: code,
		SessionID: v.sessionID, Fault: v.fault, ResponseErrors: v.responseErrors,
		DurationMs: float64(d.Microseconds()) / 1000,
	}
	if v.op != nil {
		e.Operation = operationName(v.op)
	}
	if len(v.validation) > 0 {
		e.ValidationErrors = redactFields(v.validation)
	}
	s.events.add(e)
}

// operationName is how the control plane names an operation.
func operationName(op *spec.Operation) string {
	if op.ID != "" {
		return op.ID
	}
	return op.String()
}
