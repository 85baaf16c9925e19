// Package console is the web console of the mock and of the proxy: plain HTML, CSS and
// JavaScript with no build step, embedded and served under /__mock/ui/. It holds no data:
// the page reads the /__mock/ API of whichever server serves it.
package console

import (
	"embed"
	"encoding/json"
	"net/http"
	"strings"
)

//go:embed index.html console.css console.js
var files embed.FS

// Path is where the console is served: GET /__mock/ui/.
const Path = "/__mock/ui/"

// types are the console's files and their media types.
var types = map[string]string{
	"index.html":  "text/html; charset=utf-8",
	"console.css": "text/css; charset=utf-8",
	"console.js":  "text/javascript; charset=utf-8",
}

// CSP allows the page its own script, style and /__mock/ calls, and nothing else: no inline
// script or style, no other origin, no framing, no form submission.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Serve serves the console's files, and reports whether r asked for one. They are served
// without any admin token: they hold no data. The page asks for the token and sends it as a
// Bearer header on its own calls, so the token never appears in a URL.
func Serve(w http.ResponseWriter, r *http.Request) bool {
	bare := r.URL.Path == strings.TrimSuffix(Path, "/")
	if !bare && !strings.HasPrefix(r.URL.Path, Path) {
		return false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, r.Method+" is not allowed on the console; use GET")
		return true
	}
	if bare {
		http.Redirect(w, r, Path, http.StatusMovedPermanently)
		return true
	}
	name := strings.TrimPrefix(r.URL.Path, Path)
	if name == "" {
		name = "index.html"
	}
	ctype, ok := types[name]
	if !ok {
		writeError(w, http.StatusNotFound, "the console has no file "+name+"; open "+Path)
		return true
	}
	body, err := files.ReadFile(name)
	if err != nil { // every name in types is embedded: the build would have failed
		writeError(w, http.StatusInternalServerError, "the console's file "+name+" is missing from this build")
		return true
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return true
}

// writeError answers {"error": message}, the body of every /__mock/ error.
func writeError(w http.ResponseWriter, status int, message string) {
	body, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{message})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
