package proxy

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/appmaker/refresh-conformance/conformance"
	"github.com/appmaker/refresh-conformance/internal/redact"
)

// maxShownBody is how much of a body a record shows.
const maxShownBody = 2 << 10

// emit hands the exchange's violations to the sink, each with the exchange's record, and
// puts the exchange and its violations in the journal. status is what the app got.
func (p *Proxy) emit(ex *exchange, refused bool, status int) {
	var violations []Violation
	if len(ex.found) > 0 {
		rec := ex.record(refused)
		now := p.cfg.now()
		for _, f := range ex.found {
			v := Violation{Time: now, Rule: f.rule, Party: f.party, Description: f.description,
				Location: f.location, Seen: redactText(ex.redactor.Redact(f.seen)), Exchange: rec}
			if f.family != nil {
				v.Family = f.family.String()
			}
			p.cfg.sink.Report(v)
			violations = append(violations, v)
		}
	}
	var code string
	if resp := ex.judged.Response; resp != nil && !refused {
		code = resp.Header.Get(upstreamCodeHeader)
	}
	p.record(ex, status, code, violations)
}

// record shows the exchange with every credential and token redacted.
func (ex *exchange) record(refused bool) Record {
	r := ex.redactor
	req := ex.judged.Request
	rec := Record{ID: ex.id, Method: req.Method, URL: redactText(r.Redact(req.URL.String())),
		Duration: float64(ex.judged.Duration) / float64(time.Millisecond), RefusedByProxy: refused,
		Request: message(r, req.Header, ex.judged.RequestBody)}
	masked := *ex.judged
	maskedReq := *req
	maskedReq.Header = maskHeaders(r, req.Header)
	masked.Request = &maskedReq
	rec.Curl = redactText(masked.Curl(r))
	if resp := ex.judged.Response; resp != nil {
		rec.Status = resp.StatusCode
		m := message(r, resp.Header, ex.judged.Body)
		rec.Response = &m
	}
	return rec
}

func message(r *conformance.Redactor, h http.Header, body []byte) Message {
	m := Message{Headers: maskHeaders(r, h), BodyBytes: len(body)}
	switch text := redactText(r.Redact(string(body))); {
	case !utf8.ValidString(text):
		m.Body = fmt.Sprintf("(%d bytes, not UTF-8)", len(body))
	case len(text) > maxShownBody:
		m.Body = strings.ToValidUTF8(text[:maxShownBody], "") + "…"
	default:
		m.Body = text
	}
	return m
}

// maskHeaders copies h with credentials replaced whole (the scheme of an Authorization
// kept) and any other value redacted.
func maskHeaders(r *conformance.Redactor, h http.Header) http.Header {
	out := make(http.Header, len(h))
	for name, values := range h {
		shown := make([]string, len(values))
		for i, v := range values {
			switch {
			case name == "Authorization" || name == "Proxy-Authorization":
				scheme, _, _ := cutScheme(v)
				shown[i] = strings.TrimSpace(scheme + " " + redact.Marker)
			case secretHeader(name):
				shown[i] = redact.Marker
			default:
				shown[i] = redactText(r.Redact(v))
			}
		}
		out[name] = shown
	}
	return out
}

// secretHeader reports whether a header's name says it carries a secret.
func secretHeader(name string) bool {
	n := strings.ToLower(name)
	if n == "cookie" || n == "set-cookie" {
		return true
	}
	for _, word := range []string{"token", "secret", "key", "auth", "session", "password"} {
		if strings.Contains(n, word) {
			return true
		}
	}
	return false
}

// cutScheme splits "Bearer abc" into its scheme and credential.
func cutScheme(v string) (scheme, credential string, ok bool) {
	scheme, credential, ok = strings.Cut(strings.TrimSpace(v), " ")
	return scheme, strings.TrimSpace(credential), ok && strings.TrimSpace(credential) != ""
}

// redactText replaces any JWT-shaped string left (redact is the module's one pattern).
func redactText(s string) string { return redact.JWTs(s) }
