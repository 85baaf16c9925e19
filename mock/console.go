package mock

import (
	"embed"
	"net/http"
	"strings"
)

// consoleFiles are the web console: plain HTML, CSS and JavaScript, no build step.
//
//go:embed console/index.html console/console.css console/console.js
var consoleFiles embed.FS

// consolePath is where the console is served: GET /__mock/ui/.
const consolePath = adminPrefix + "ui/"

// consoleTypes are the console's files and their media types.
var consoleTypes = map[string]string{
	"index.html":  "text/html; charset=utf-8",
	"console.css": "text/css; charset=utf-8",
	"console.js":  "text/javascript; charset=utf-8",
}

// consoleCSP allows the page its own script, style and control-plane calls, and nothing
// else: no inline script or style, no other origin, no framing, no form submission.
const consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// serveConsole serves the console's files, and reports whether r asked for one. They are
// served without the admin token: they hold no data. The page asks for the token and sends
// it as a Bearer header on its own calls, so the token never appears in a URL.
func (s *Server) serveConsole(w http.ResponseWriter, r *http.Request) bool {
	bare := r.URL.Path == strings.TrimSuffix(consolePath, "/")
	if !bare && !strings.HasPrefix(r.URL.Path, consolePath) {
		return false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeJSON(w, http.StatusMethodNotAllowed, adminError{r.Method + " is not allowed on the console; use GET"})
		return true
	}
	if bare {
		http.Redirect(w, r, consolePath, http.StatusMovedPermanently)
		return true
	}
	name := strings.TrimPrefix(r.URL.Path, consolePath)
	if name == "" {
		name = "index.html"
	}
	ctype, ok := consoleTypes[name]
	if !ok {
		writeJSON(w, http.StatusNotFound, adminError{"the console has no file " + name + "; open " + consolePath})
		return true
	}
	body, err := consoleFiles.ReadFile("console/" + name)
	if err != nil {
		s.writeAdminError(w, r, err)
		return true
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Security-Policy", consoleCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return true
}
