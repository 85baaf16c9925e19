package conformance

import (
	"net/http"
	"strings"
)

// Advisory is a recommendation the document does not make but an RFC does, which an
// answer did not follow. It is a warning in every report, and fails its spec only with
// CONFORMANCE_STRICT=1.
type Advisory struct {
	Rule   string
	Source string
	Seen   string
}

func (a Advisory) String() string { return a.Rule + " [" + a.Source + "]: " + a.Seen }

// rfcNoStore is where answers carrying tokens are told not to be cached.
const rfcNoStore = "RFC 6749 §5.1"

// OnAdvisory hands every advisory of an answer, with its exchange, to f (a report shows
// them as warnings). Set it before the first request.
func (c *Client) OnAdvisory(f func(*Exchange, []Advisory)) { c.advise = f }

// Advisories are the recommendations ex's answer did not follow: an answer that carries
// tokens (a 2xx) should say Cache-Control: no-store and Pragma: no-cache.
func Advisories(ex *Exchange) []Advisory {
	if ex.Response == nil || ex.Response.StatusCode < 200 || ex.Response.StatusCode > 299 {
		return nil
	}
	var out []Advisory
	if !headerHasToken(ex.Response.Header, "Cache-Control", "no-store") {
		out = append(out, Advisory{"an answer carrying tokens is not cached: Cache-Control: no-store", rfcNoStore,
			"Cache-Control: " + headerOrNone(ex.Response.Header, "Cache-Control")})
	}
	if !headerHasToken(ex.Response.Header, "Pragma", "no-cache") {
		out = append(out, Advisory{"an answer carrying tokens says Pragma: no-cache", rfcNoStore,
			"Pragma: " + headerOrNone(ex.Response.Header, "Pragma")})
	}
	return out
}

// checkAdvisories reports ex's advisories, or fails with the first under CONFORMANCE_STRICT=1.
func (c *Client) checkAdvisories(ex *Exchange) error {
	advs := Advisories(ex)
	if len(advs) == 0 {
		return nil
	}
	if c.target.Strict {
		a := advs[0]
		return newFailure(c.redactor, ex, a.Rule, a.Source+" (CONFORMANCE_STRICT=1)", "answered %s with %s", ex.Response.Status, a.Seen)
	}
	if c.advise != nil {
		c.advise(ex, advs)
	}
	return nil
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, part := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}

func headerOrNone(h http.Header, name string) string {
	if v := strings.Join(h.Values(name), ", "); v != "" {
		return v
	}
	return "(none)"
}
