package proxy

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/appmaker/refresh-conformance/internal/journal"
	"github.com/appmaker/refresh-conformance/mock/console"
	"github.com/appmaker/refresh-conformance/mock/diagnose"
	"github.com/appmaker/refresh-conformance/spec"
)

// AdminPrefix is where the proxy serves what it saw, in the mock's shapes: GET
// /__mock/events, GET and DELETE /__mock/diagnostics, and the console at /__mock/ui/.
// Every other /__mock/ path passes through to the upstream (a mock's control plane).
const AdminPrefix = "/__mock/"

// DefaultEventBuffer is how many events GET /__mock/events remembers, as in the mock.
const DefaultEventBuffer = 1000

// The Type of an event that is not an exchange.
const (
	EventViolation  = "violation"
	EventDiagnostic = "diagnostic"
)

// WithAdmin serves the proxy's /__mock/ paths (the default); off, all of /__mock/ passes
// through to the upstream.
func WithAdmin(on bool) Option { return func(c *config) { c.noAdmin = !on } }

// WithAdminToken requires "Authorization: Bearer <token>" on the proxy's /__mock/ calls (the
// console's files excepted: they hold no data).
func WithAdminToken(token string) Option { return func(c *config) { c.adminToken = token } }

// WithEventBuffer sets how many events GET /__mock/events remembers (default
// DefaultEventBuffer); 0 records none.
func WithEventBuffer(n int) Option { return func(c *config) { c.events = n } }

// Event is what GET /__mock/events answers about one exchange of a declared operation, one
// violation or one finding, in the shape of the mock's events. It never holds a token.
type Event struct {
	ID   uint64    `json:"id"`
	Time time.Time `json:"time"`
	// Type is EventViolation or EventDiagnostic, which repeat the exchange's method, path,
	// status and session; empty for the exchange itself.
	Type      string `json:"type,omitempty"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	Operation string `json:"operation,omitempty"`
	// Status is 0 when the app got no answer.
	Status int `json:"status"`
	// Code is the upstream's X-Mock-Error, when it sends one (a mock).
	Code string `json:"code,omitempty"`
	// SessionID is the exchange's token family, the fingerprint of its first refresh token:
	// the session as the proxy tells them apart.
	SessionID  string  `json:"sessionId,omitempty"`
	DurationMs float64 `json:"durationMs"`
	// Rules are the rules the exchange broke, on the exchange's own event.
	Rules     []Rule            `json:"rules,omitempty"`
	Violation *Violation        `json:"violation,omitempty"`
	Finding   *diagnose.Finding `json:"finding,omitempty"`
}

func (e Event) streamName() string {
	if e.Type != "" {
		return e.Type
	}
	return "request"
}

// EventList is the body of GET /__mock/events: the mock's, and Proxy, which tells the
// console that a proxy serves it.
type EventList struct {
	journal.List[Event]
	Proxy Info `json:"proxy"`
}

// Info is what the proxy says of itself.
type Info struct {
	Upstream string `json:"upstream"` // never holds a user or password: New refuses them
	BasePath string `json:"basePath"`
}

// FindingList is the body of GET /__mock/diagnostics, the mock's shape.
type FindingList struct {
	Findings []diagnose.Finding `json:"findings"`
}

// Errors of the proxy's /__mock/ paths.
var (
	ErrAdminUnauthorized = errors.New("the proxy's /__mock/ needs 'Authorization: Bearer <admin token>' (--admin-token)")
	ErrEventsOff         = errors.New("events are not recorded (--events 0)")
	ErrDiagnosticsOff    = errors.New("client diagnostics are off (--diagnostics=false)")
)

// CloseStreams ends every open GET /__mock/events?follow=1 stream, for a shutdown that
// waits for in-flight requests.
func (p *Proxy) CloseStreams() { p.stopOnce.Do(func() { close(p.stop) }) }

// serveAdmin answers the proxy's own /__mock/ paths and reports whether r was one.
func (p *Proxy) serveAdmin(w http.ResponseWriter, r *http.Request) bool {
	if p.cfg.noAdmin || !strings.HasPrefix(r.URL.Path, AdminPrefix) && r.URL.Path != strings.TrimSuffix(console.Path, "/") {
		return false
	}
	if console.Serve(w, r) {
		return true
	}
	var serve func(http.ResponseWriter, *http.Request)
	switch name := strings.TrimPrefix(r.URL.Path, AdminPrefix); {
	case name == "events" && r.Method == http.MethodGet:
		serve = p.handleEvents
	case name == "diagnostics" && r.Method == http.MethodGet:
		serve = p.handleFindings
	case name == "diagnostics" && r.Method == http.MethodDelete:
		serve = p.handleClearFindings
	case name == "events" || name == "diagnostics":
		w.Header().Set("Allow", map[string]string{"events": "GET", "diagnostics": "GET, DELETE"}[name])
		writeAdminJSON(w, http.StatusMethodNotAllowed, adminError{r.Method + " is not allowed on " + r.URL.Path})
		return true
	default:
		return false // the upstream's: a mock's control plane
	}
	if p.cfg.adminToken != "" {
		_, bearer, _ := cutScheme(r.Header.Get("Authorization"))
		// Compared as SHA-256 hashes: ConstantTimeCompare returns at once on a length
		// mismatch, so comparing the tokens themselves would tell their length.
		presented, want := sha256.Sum256([]byte(bearer)), sha256.Sum256([]byte(p.cfg.adminToken))
		if subtle.ConstantTimeCompare(presented[:], want[:]) != 1 {
			writeAdminJSON(w, http.StatusUnauthorized, adminError{ErrAdminUnauthorized.Error()})
			return true
		}
	}
	serve(w, r)
	return true
}

// adminError is the body of every error of the proxy's /__mock/ paths, the mock's shape.
type adminError struct {
	Error string `json:"error"`
}

func writeAdminJSON(w http.ResponseWriter, status int, v any) {
	raw, _ := json.Marshal(v)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(raw)
}

// handleEvents is GET /__mock/events: the last ?limit= events after ?since=, oldest first;
// with ?follow=1 a Server-Sent Events stream of each new one (event: request, violation or
// diagnostic).
func (p *Proxy) handleEvents(w http.ResponseWriter, r *http.Request) {
	if !p.events.Enabled() {
		writeAdminJSON(w, http.StatusConflict, adminError{ErrEventsOff.Error()})
		return
	}
	q, err := journal.ParseQuery(r)
	if err != nil {
		writeAdminJSON(w, http.StatusBadRequest, adminError{err.Error()})
		return
	}
	if !q.Follow {
		writeAdminJSON(w, http.StatusOK, EventList{List: p.events.List(q),
			Proxy: Info{Upstream: p.upstream.String(), BasePath: p.base}})
		return
	}
	if err := p.events.Follow(w, r, q, Event.streamName); err != nil {
		writeAdminJSON(w, http.StatusTooManyRequests, adminError{err.Error()})
	}
}

// handleFindings is GET /__mock/diagnostics: every finding of the client diagnostics,
// oldest first.
func (p *Proxy) handleFindings(w http.ResponseWriter, _ *http.Request) {
	if p.diag == nil {
		writeAdminJSON(w, http.StatusConflict, adminError{ErrDiagnosticsOff.Error()})
		return
	}
	writeAdminJSON(w, http.StatusOK, FindingList{Findings: p.diag.findings.All()})
}

// handleClearFindings is DELETE /__mock/diagnostics: forget the findings (the rules still
// remember the recent exchanges).
func (p *Proxy) handleClearFindings(w http.ResponseWriter, _ *http.Request) {
	if p.diag == nil {
		writeAdminJSON(w, http.StatusConflict, adminError{ErrDiagnosticsOff.Error()})
		return
	}
	writeAdminJSON(w, http.StatusOK, map[string]int{"cleared": p.diag.findings.ClearAll()})
}

// record puts the exchange's own event, and one per violation, in the journal.
func (p *Proxy) record(ex *exchange, status int, code string, violations []Violation) {
	if !p.events.Enabled() {
		return
	}
	base := Event{Time: p.cfg.now(), Method: redactText(ex.in.Method), Path: redactText(ex.in.URL.Path),
		Operation: operationName(ex.op), Status: status, Code: code,
		DurationMs: float64(ex.judged.Duration) / float64(time.Millisecond)}
	if ex.family != nil {
		base.SessionID = ex.family.String()
	}
	own := base
	for i := range violations {
		own.Rules = append(own.Rules, violations[i].Rule)
		e := base
		e.ID, e.Type, e.Violation = p.events.Reserve(), EventViolation, &violations[i]
		p.events.Put(e.ID, e)
	}
	own.ID = ex.eventID
	if own.ID == 0 {
		own.ID = p.events.Reserve()
	}
	p.events.Put(own.ID, own)
}

// operationName is how the mock's events name an operation.
func operationName(op *spec.Operation) string {
	if op.ID != "" {
		return op.ID
	}
	return op.String()
}
