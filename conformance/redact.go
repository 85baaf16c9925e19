package conformance

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/appmaker/refresh-conformance/internal/redact"
)

// minSecretLen keeps short values out of the redactor: replacing "a" or "null" everywhere
// would wreck the output, and no real token is that short.
const minSecretLen = 8

// unknownJWT marks a JWT the redactor was not told about (in a header, say), found by
// the module's one JWT-shape pattern (internal/redact).
const unknownJWT = "[jwt]"

// Redactor replaces every secret it was told about with a short marker like [token#1].
// It is safe for concurrent use.
type Redactor struct {
	mu       sync.RWMutex
	markers  map[string]string // secret (in any registered form) -> marker
	count    int
	replacer *strings.Replacer
	reveal   bool
}

// NewRedactor returns an empty Redactor.
func NewRedactor() *Redactor { return &Redactor{markers: map[string]string{}} }

// Add registers a secret and returns its marker; a value too short to be a token is
// ignored and returned as is. Adding a secret twice returns the same marker.
func (r *Redactor) Add(secret string) string {
	if len(secret) < minSecretLen {
		return secret
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if m, ok := r.markers[secret]; ok {
		return m
	}
	r.count++
	marker := fmt.Sprintf("[token#%d]", r.count)
	r.markers[secret] = marker
	// The same secret inside a JSON string (a report file, a body) may be escaped: Go
	// escapes <, > and &, other encoders also escape '/'.
	if quoted, err := json.Marshal(secret); err == nil {
		escaped := string(quoted[1 : len(quoted)-1])
		for _, form := range []string{escaped, strings.ReplaceAll(escaped, "/", `\/`)} {
			if form != secret {
				r.markers[form] = marker
			}
		}
	}
	r.replacer = nil
	return marker
}

// AddFromJSON registers every string found under a key that names a token
// (accessToken, refresh_token, ...), at any depth of a JSON document. Bodies that are
// not JSON are ignored.
func (r *Redactor) AddFromJSON(body []byte) {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return
	}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys) // markers are numbered in a stable order
			for _, k := range keys {
				walk(k, x[k])
			}
		case []any:
			for _, inner := range x {
				walk(key, inner)
			}
		case string:
			if strings.Contains(strings.ToLower(key), "token") || redact.HasJWT(x) {
				r.Add(x)
			}
		}
	}
	walk("", v)
}

// Reveal makes Redact a no-op from now on: CONFORMANCE_REVEAL_TOKENS=1, for runnable
// curl lines against a test server. Leaks still finds every registered secret.
func (r *Redactor) Reveal() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reveal = true
}

// Revealing reports whether Reveal was called.
func (r *Redactor) Revealing() bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.reveal
}

// Redact replaces every registered secret in s with its marker, and any other
// JWT-shaped string with [jwt].
func (r *Redactor) Redact(s string) string {
	if r.Revealing() {
		return s
	}
	return redact.JWTsWith(r.get().Replace(s), unknownJWT)
}

// Leaks lists the markers of the registered secrets that occur in s; empty means s is clean.
func (r *Redactor) Leaks(s string) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	seen := map[string]bool{}
	var out []string
	for secret, marker := range r.markers {
		if !seen[marker] && strings.Contains(s, secret) {
			seen[marker] = true
			out = append(out, marker)
		}
	}
	sort.Strings(out)
	return out
}

// Len is how many secrets are registered.
func (r *Redactor) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.count
}

func (r *Redactor) get() *strings.Replacer {
	r.mu.RLock()
	rep := r.replacer
	r.mu.RUnlock()
	if rep != nil {
		return rep
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.replacer == nil {
		// Longest first, so a secret that contains another is replaced whole.
		secrets := make([]string, 0, len(r.markers))
		for s := range r.markers {
			secrets = append(secrets, s)
		}
		sort.Slice(secrets, func(i, j int) bool {
			if len(secrets[i]) != len(secrets[j]) {
				return len(secrets[i]) > len(secrets[j])
			}
			return secrets[i] < secrets[j]
		})
		pairs := make([]string, 0, 2*len(secrets))
		for _, s := range secrets {
			pairs = append(pairs, s, r.markers[s])
		}
		r.replacer = strings.NewReplacer(pairs...)
	}
	return r.replacer
}
