package mock

import (
	"context"
	"sync"
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

// addEvent records e, with the id reserved for it or the next one.
func (s *Server) addEvent(e Event) {
	if e.ID == 0 {
		e.ID = s.events.Reserve()
	}
	s.events.Put(e.ID, e)
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
	s.addEvent(e)
}

// operationName is how the control plane names an operation.
func operationName(op *spec.Operation) string {
	if op.ID != "" {
		return op.ID
	}
	return op.String()
}
