package conformance

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxShownBody is how much of a body a report shows; the rest is counted, not printed.
const maxShownBody = 2 << 10

// Exchange is one request and its answer, with both bodies read once and kept.
type Exchange struct {
	Request     *http.Request
	RequestBody []byte
	// Response is nil when no answer came; its Body reads Body again.
	Response *http.Response
	Body     []byte
	Duration time.Duration
}

// Status is "201 Created", or "no answer".
func (e *Exchange) Status() string {
	if e.Response == nil {
		return "no answer"
	}
	return e.Response.Status
}

// Summary is one line: method, URL, status and time taken, redacted.
func (e *Exchange) Summary(r *Redactor) string {
	return r.Redact(fmt.Sprintf("%s %s -> %s in %s", e.Request.Method, e.Request.URL, e.Status(),
		e.Duration.Round(time.Millisecond)))
}

// Format shows the request and the response (status, headers, body) and a curl line
// that reproduces the request, every secret redacted.
func (e *Exchange) Format(r *Redactor) string {
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n", e.Request.Method, e.Request.URL)
	writeHeaders(&b, "> ", e.Request.Header)
	writeBody(&b, r, "> ", e.RequestBody)
	if e.Response == nil {
		fmt.Fprintf(&b, "< no answer after %s\n", e.Duration.Round(time.Millisecond))
	} else {
		fmt.Fprintf(&b, "< %s %s (%s)\n", e.Response.Proto, e.Response.Status, e.Duration.Round(time.Millisecond))
		writeHeaders(&b, "< ", e.Response.Header)
		writeBody(&b, r, "< ", e.Body)
	}
	b.WriteString("reproduce: ")
	b.WriteString(e.curl(r))
	b.WriteByte('\n')
	return r.Redact(b.String())
}

// Curl is a curl command line that sends the same request, every secret redacted.
func (e *Exchange) Curl(r *Redactor) string { return r.Redact(e.curl(r)) }

// curl judges the body's length after redaction: a long token is short once redacted.
func (e *Exchange) curl(r *Redactor) string {
	parts := []string{"curl", "-sS", "-i", "-X", e.Request.Method, shellQuote(e.Request.URL.String())}
	for _, name := range sortedKeys(e.Request.Header) {
		for _, v := range e.Request.Header[name] {
			parts = append(parts, "-H", shellQuote(name+": "+v))
		}
	}
	body := r.Redact(string(e.RequestBody))
	switch {
	case len(body) > maxShownBody:
		parts = append(parts, "--data-binary", "@request-body",
			fmt.Sprintf("# request-body: the %d-byte body, of which the report shows the start", len(e.RequestBody)))
	case e.RequestBody != nil:
		parts = append(parts, "--data-binary", shellQuote(body))
	}
	return strings.Join(parts, " ")
}

func writeHeaders(b *strings.Builder, prefix string, h http.Header) {
	for _, name := range sortedKeys(h) {
		for _, v := range h[name] {
			fmt.Fprintf(b, "%s%s: %s\n", prefix, name, v)
		}
	}
}

// writeBody redacts before it cuts, so that no part of a secret survives the cut.
func writeBody(b *strings.Builder, r *Redactor, prefix string, body []byte) {
	if len(body) == 0 {
		fmt.Fprintf(b, "%s(no body)\n", prefix)
		return
	}
	text := r.Redact(string(body))
	if !utf8.ValidString(text) {
		text = strconv.Quote(text)
	}
	rest := 0
	if len(text) > maxShownBody {
		rest = len(text) - maxShownBody
		text = strings.ToValidUTF8(text[:maxShownBody], "")
	}
	fmt.Fprintf(b, "%s%s\n", prefix, strings.ReplaceAll(text, "\n", "\n"+prefix))
	if rest > 0 {
		fmt.Fprintf(b, "%s… %d more bytes\n", prefix, rest)
	}
}

func sortedKeys(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
