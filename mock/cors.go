package mock

import (
	"net/http"
	"strings"
)

// defaultAllowedHeaders are allowed on every preflight from an allowed origin, asked for or not.
var defaultAllowedHeaders = []string{"Authorization", "x-access-token", "Content-Type", "Prefer"}

// Bounds on the Access-Control-Request-Headers the mock reflects: a browser asks for a few.
const (
	maxRequestedHeaders   = 32
	maxRequestedHeaderLen = 128
)

// cors adds the CORS headers for an allowed origin and answers a preflight; it reports
// whether the request was a preflight (and so is answered).
func (s *Server) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	h := w.Header()
	h.Add("Vary", "Origin")
	allowed := s.allowed["*"] || s.allowed[origin]
	if allowed {
		// Fetch standard §3.2.5: with credentials the origin must be named exactly, never "*".
		if s.allowed["*"] && !s.cfg.corsCredentials {
			h.Set("Access-Control-Allow-Origin", "*")
		} else {
			h.Set("Access-Control-Allow-Origin", origin)
		}
		if s.cfg.corsCredentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		h.Set("Access-Control-Expose-Headers", HeaderError+", "+HeaderDiagnostic)
	}
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	h.Add("Vary", "Access-Control-Request-Headers")
	if allowed {
		h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
		h.Set("Access-Control-Allow-Headers", allowHeaders(r.Header.Values("Access-Control-Request-Headers")))
		h.Set("Access-Control-Max-Age", "600")
	}
	w.WriteHeader(http.StatusNoContent)
	return true
}

// allowHeaders is the default list plus every well-formed header name the preflight asks
// for (a tracing or tenant header of the app), so that an app's own headers pass.
func allowHeaders(requested []string) string {
	names := append([]string(nil), defaultAllowedHeaders...)
	seen := map[string]bool{}
	for _, n := range names {
		seen[strings.ToLower(n)] = true
	}
	for _, line := range requested {
		for _, n := range strings.Split(line, ",") {
			n = strings.TrimSpace(n)
			if len(names) >= len(defaultAllowedHeaders)+maxRequestedHeaders {
				break
			}
			if !validHeaderName(n) || seen[strings.ToLower(n)] {
				continue
			}
			seen[strings.ToLower(n)] = true
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// validHeaderName reports a field name of RFC 9110 §5.1: a token, bounded in length.
func validHeaderName(n string) bool {
	if n == "" || len(n) > maxRequestedHeaderLen {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
