package proxy

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/appmaker/refresh-conformance/mock/diagnose"
	"github.com/appmaker/refresh-conformance/spec"
)

// DiagnosticHeader names, with WithAnnotate, the kinds of the client-diagnostics findings an
// answer completes: the mock's header, so a test that reads it works through the proxy too.
const DiagnosticHeader = diagnose.Header

// upstreamCodeHeader is the machine code a mock upstream sends with its errors.
const upstreamCodeHeader = "X-Mock-Error"

// WithDiagnostics turns the client diagnostics on (the default) or off.
func WithDiagnostics(on bool) Option { return func(c *config) { c.noDiagnostics = !on } }

// WithRaceWindow sets how close together two presentations of one refresh token race each
// other (default diagnose.DefaultRaceWindow).
func WithRaceWindow(d time.Duration) Option { return func(c *config) { c.diagnose.RaceWindow = d } }

// WithStormLimit sets how many rotations of one token family within a window make a refresh
// storm (default 5/1m).
func WithStormLimit(l diagnose.StormLimit) Option { return func(c *config) { c.diagnose.Storm = l } }

// diagnostics are the mock's client diagnostics, fed with what the proxy sees: a session is a
// token family, named by the fingerprint of its first refresh token the proxy saw.
type diagnostics struct {
	watcher  *diagnose.Watcher
	findings *diagnose.Findings
}

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

// observe judges a refresh whose answer is known, before the app gets it: h are the answer's
// headers, body its (decoded) body. refused says the proxy answered itself (--strict). The
// exchange's event id is taken now, so that the findings can name it.
func (p *Proxy) observe(ex *exchange, h http.Header, status int, body []byte, refused bool) {
	if p.diag == nil || ex.op.ID != spec.RefreshOperationID {
		return
	}
	ex.eventID = p.events.Reserve()
	code := h.Get(upstreamCodeHeader)
	_, bearer, _ := cutScheme(ex.in.Header.Get("Authorization"))
	d := diagnose.Exchange{
		At: p.cfg.now(), EventID: int64(ex.eventID), Token: ex.token,
		Status: status, Code: code, Rotated: ex.rotated, Replayed: ex.replayed,
		// A Prefer header asked a mock upstream for this error in place of the refresh.
		Forced:       !refused && status >= http.StatusBadRequest && h.Get("Preference-Applied") != "",
		NoCredential: bearer == "" && ex.in.Header.Get("x-access-token") == "",
		// The document's 401 to a refresh that presented a token: the session is over, unless a
		// mock upstream names another cause (a credential it does not accept) in its code.
		Ended: !refused && status == http.StatusUnauthorized && code == "" && ex.token != "",
	}
	if ex.family != nil {
		d.Session = ex.family.String()
	}
	if status == http.StatusBadRequest {
		d.BodyFields = bodyFields(ex.judged.RequestBody)
		var v spec.ValidationErrorBody
		if json.Unmarshal(body, &v) == nil && len(v.ValidationError) > 0 {
			d.Problems = make(map[string][]string, len(v.ValidationError))
			for field, msgs := range v.ValidationError {
				key := redactText(ex.redactor.Redact(field))
				for _, m := range msgs {
					d.Problems[key] = append(d.Problems[key], redactText(ex.redactor.Redact(m)))
				}
			}
		}
	}
	found := p.diag.watcher.Observe(d)
	if len(found) == 0 {
		return
	}
	var kinds []string
	for _, f := range found {
		if k := string(f.Kind); !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
		p.diag.findings.Add(f)
		if p.events.Enabled() {
			e := Event{ID: p.events.Reserve(), Type: EventDiagnostic, Time: f.At, Method: redactText(ex.in.Method),
				Path: redactText(ex.in.URL.Path), Operation: operationName(ex.op), Status: status, Code: code,
				SessionID: d.Session, Finding: &f}
			p.events.Put(e.ID, e)
		}
	}
	if p.cfg.annotate {
		// A mock upstream names its own findings; the proxy's are added to them, once each.
		for _, k := range strings.Split(h.Get(DiagnosticHeader), ",") {
			if k = strings.TrimSpace(k); k != "" && !slices.Contains(kinds, k) {
				kinds = append(kinds, k)
			}
		}
		h.Set(DiagnosticHeader, strings.Join(kinds, ", "))
		if h.Get("Access-Control-Allow-Origin") != "" {
			h.Add("Access-Control-Expose-Headers", DiagnosticHeader)
		}
	}
}

// bodyFields are the property names of a JSON object body (at most 8), so that a
// malformed-request finding can say what was sent ("refresh_token"); never the values. Nil
// when the body is not an object.
func bodyFields(body []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	fields := []string{}
	for dec.More() && len(fields) < 8 {
		name, err := dec.Token()
		key, ok := name.(string)
		if err != nil || !ok {
			return nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil
		}
		fields = append(fields, key)
	}
	return fields
}
