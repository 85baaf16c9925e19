package mock

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/appmaker/refresh-conformance/internal/redact"
	"github.com/appmaker/refresh-conformance/mock/diagnose"
	"github.com/appmaker/refresh-conformance/mock/session"
	"github.com/appmaker/refresh-conformance/mock/token"
	"github.com/appmaker/refresh-conformance/spec"
)

// HeaderDiagnostic names, on the answer that completes them, the kinds of the findings of the
// client diagnostics (docs/DIAGNOSTICS.md), comma-separated: "concurrent-refresh".
const HeaderDiagnostic = diagnose.Header

// EventDiagnostic is the Type of an event that reports a finding.
const EventDiagnostic = "diagnostic"

// WithDiagnostics turns the client diagnostics on (the default) or off: no watcher, no
// findings, no X-Mock-Diagnostic, no diagnostic events.
func WithDiagnostics(enabled bool) Option { return func(cfg *config) { cfg.noDiagnostics = !enabled } }

// WithRaceWindow sets how close together two presentations of one refresh token race each
// other (default diagnose.DefaultRaceWindow); 0 keeps the default.
func WithRaceWindow(d time.Duration) Option { return func(cfg *config) { cfg.diagnose.RaceWindow = d } }

// WithStormLimit sets how many rotations of one session within a window make a refresh
// storm (default 5/1m); the zero value keeps the default.
func WithStormLimit(l diagnose.StormLimit) Option {
	return func(cfg *config) { cfg.diagnose.Storm = l }
}

// diagnostics is the watcher that judges every refresh, and the findings it made.
type diagnostics struct {
	watcher  *diagnose.Watcher
	findings *diagnose.Findings
}

// newDiagnostics is nil when cfg turns the diagnostics off.
func newDiagnostics(cfg config) (*diagnostics, error) {
	if cfg.noDiagnostics {
		return nil, nil
	}
	w, err := diagnose.New(cfg.diagnose)
	if err != nil {
		return nil, err
	}
	return &diagnostics{watcher: w, findings: diagnose.NewFindings()}, nil
}

// reset forgets every session and finding (POST /__mock/reset).
func (d *diagnostics) reset() {
	if d == nil {
		return
	}
	d.watcher.Reset()
	d.findings.ClearAll()
}

// forgetSwept drops what is kept about the sessions a sweep removed from store.
func (d *diagnostics) forgetSwept(ctx context.Context, store session.Store) {
	if d == nil {
		return
	}
	for _, id := range d.findings.SessionIDs() {
		if _, err := store.Get(ctx, id); !errors.Is(err, session.ErrNotFound) {
			continue
		}
		d.watcher.Forget(id)
		d.findings.Clear(id)
	}
}

// refreshNote is what Refresh found, for the diagnostics: set on the request's verdict.
type refreshNote struct {
	at        time.Time         // the mock's clock when the answer was decided; zero before Refresh
	presented session.Presented // the refresh token presented; Generation 0 when it is not the mock's
	current   int               // the session's generation after the answer
	rotatedAt time.Time         // when the presented token was used up by an earlier rotation, if known
	outcome   session.Outcome
	fields    []string // the body's property names, for a body the document rejected
}

// noteRotation is what a rotation attempt tells the diagnostics.
func noteRotation(now time.Time, p session.Presented, sess session.Session, outcome session.Outcome) refreshNote {
	n := refreshNote{at: now, presented: p, current: sess.Generation, outcome: outcome}
	if outcome != session.Rotated && !sess.RotatedAt.IsZero() && p.Hash == sess.Previous {
		n.rotatedAt = sess.RotatedAt
	}
	return n
}

// noteBodyFields keeps the property names of a refresh body the document rejected, so that a
// malformed-request finding can say what was sent ("refresh_token"). Never the values.
func (s *Server) noteBodyFields(ctx context.Context, body []byte) {
	if s.diag == nil || body == nil {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return
	}
	fields := []string{}
	for dec.More() && len(fields) < 8 {
		name, err := dec.Token()
		key, ok := name.(string)
		if err != nil || !ok {
			return
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return
		}
		fields = append(fields, key)
	}
	note(ctx, func(v *verdict) { v.refresh.fields = fields })
}

// diagnosed hands h a writer that, when h's answer is decided (its status written), shows the
// request to the watcher and marks the answer with the kinds of the findings it completes.
// The answer itself is h's alone.
func (s *Server) diagnosed(h operationHandler) operationHandler {
	if s.diag == nil {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request, op *spec.Operation) {
		h(&diagnosingWriter{ResponseWriter: w, s: s, r: r}, r, op)
	}
}

type diagnosingWriter struct {
	http.ResponseWriter
	s       *Server
	r       *http.Request
	decided bool
}

func (d *diagnosingWriter) WriteHeader(status int) {
	if !d.decided {
		d.decided = true
		d.s.observe(d.ResponseWriter.Header(), d.r, status)
	}
	d.ResponseWriter.WriteHeader(status)
}

func (d *diagnosingWriter) Write(b []byte) (int, error) {
	if !d.decided {
		d.WriteHeader(http.StatusOK)
	}
	return d.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (a lost-response fault hijacks it).
func (d *diagnosingWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// observe judges one refresh whose answer is decided: status, and the headers set so far.
// It takes the request's event id now, so that findings can name it before it is recorded.
func (s *Server) observe(h http.Header, r *http.Request, status int) {
	v, ok := r.Context().Value(verdictKey{}).(*verdict)
	if !ok {
		return
	}
	id := s.events.Reserve()
	v.mu.Lock()
	v.id = id
	n, sid, problems, op := v.refresh, v.sessionID, v.validation, v.op
	v.mu.Unlock()
	code := h.Get(HeaderError)
	bearer, apiKey := credentials(r)
	ex := diagnose.Exchange{
		At: n.at, EventID: int64(id), Session: sid, Generation: n.presented.Generation, Current: n.current,
		RotatedAt: n.rotatedAt, Status: status, Code: code,
		Rotated: n.outcome == session.Rotated, Replayed: n.outcome == session.GraceReplay,
		// A Prefer header asked for this error in place of the refresh (handleRefresh).
		Forced:       status >= http.StatusBadRequest && h.Get("Preference-Applied") != "",
		NoCredential: bearer == "" && apiKey == "", // whatever --auth lets through: the real server will not
		BodyFields:   n.fields, Problems: problems,
	}
	if ex.At.IsZero() {
		ex.At = s.clock.Now()
	}
	if n.presented.Generation > 0 { // a token this mock issued; garbage names nothing worth comparing
		ex.Token = fingerprint(n.presented.Hash)
	}
	found := s.diag.watcher.Observe(ex)
	if len(found) == 0 {
		return
	}
	kinds := make([]string, 0, len(found))
	for _, f := range found {
		if k := string(f.Kind); !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
		s.diag.findings.Add(f)
		if s.events.Enabled() {
			e := Event{Type: EventDiagnostic, Time: f.At, Method: redact.JWTs(r.Method), Path: redact.JWTs(r.URL.Path),
				Status: status, Code: code, SessionID: sid, Finding: &f}
			if op != nil {
				e.Operation = operationName(op)
			}
			s.addEvent(e)
		}
	}
	h.Set(HeaderDiagnostic, strings.Join(kinds, ", "))
}

// fingerprint is diagnose.Fingerprint of the token whose hash is h.
func fingerprint(h token.Hash) string { return hex.EncodeToString(h[:6]) }

// streamName is the SSE event name of e: "request", or its Type.
func (e Event) streamName() string {
	if e.Type != "" {
		return e.Type
	}
	return "request"
}
