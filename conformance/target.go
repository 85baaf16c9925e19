package conformance

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/appmaker/refresh-conformance/spec"
)

// DefaultTimeout bounds each request when CONFORMANCE_TIMEOUT is not set.
const DefaultTimeout = 10 * time.Second

// setting is one knob of the Target: a flag with an environment fallback.
type setting struct {
	flag, env, usage string
}

var settings = []setting{
	{"target", "CONFORMANCE_TARGET", "base URL of the server with its path prefix, e.g. https://abptest-api.akinon.net/api/v1 (empty: the embedded mock)"},
	{"token-cmd", "CONFORMANCE_TOKEN_CMD", `shell command (sh -c) printing {"accessToken": "...", "refreshToken": "..."} for a fresh session; run once per spec that needs one`},
	{"access-token", "CONFORMANCE_ACCESS_TOKEN", "access token of one static pair (with --refresh-token); only one spec that uses up a token runs"},
	{"refresh-token", "CONFORMANCE_REFRESH_TOKEN", "refresh token of one static pair (with --access-token)"},
	{"timeout", "CONFORMANCE_TIMEOUT", "timeout of each request and each run of the token command, e.g. 10s (default 10s)"},
	{"rps", "CONFORMANCE_RPS", "request rate limit in requests per second, e.g. 2 or 0.5 (default: none)"},
	{"headers", "CONFORMANCE_HEADERS", `extra headers on every request: "Name: value" entries separated by newlines or commas (also Name=value)`},
	{"spec", "CONFORMANCE_SPEC", "OpenAPI document to judge against instead of the embedded one"},
}

// Settings are the raw values of the Target's flags; empty ones fall back to the
// environment when resolved.
type Settings struct {
	values map[string]*string
}

// RegisterFlags adds --target, --token-cmd, --access-token, --refresh-token, --timeout,
// --rps, --headers and --spec to fs. Nothing is read until Resolve.
func RegisterFlags(fs *flag.FlagSet) *Settings {
	s := &Settings{values: map[string]*string{}}
	for _, st := range settings {
		s.values[st.flag] = fs.String(st.flag, "", st.usage+" [env "+st.env+"]")
	}
	return s
}

// Target is the server under test and how to talk to it, validated once.
type Target struct {
	// BaseURL is the server's base URL with its path prefix; the operation's path is
	// appended to it. Empty means the embedded mock, to be started by the suite.
	BaseURL string
	Spec    *spec.Spec
	// Operation is the refresh operation of Spec.
	Operation *spec.Operation
	Timeout   time.Duration
	// RPS limits the request rate; 0 means no limit.
	RPS     float64
	Headers http.Header
	// TokenCmd and Static are the token sources the user configured; both may be empty.
	TokenCmd string
	Static   *spec.TokenPair
}

// Embedded reports whether no target was given, so the suite serves the embedded mock.
func (t *Target) Embedded() bool { return t.BaseURL == "" }

// Resolve reads each setting from its flag, else from getenv, checks them all and
// loads the spec. Every problem is reported, each naming its variable and flag.
func (s *Settings) Resolve(getenv func(string) string) (*Target, error) {
	get := func(name string) (string, setting) {
		for _, st := range settings {
			if st.flag == name {
				if v := strings.TrimSpace(*s.values[name]); v != "" {
					return v, st
				}
				return strings.TrimSpace(getenv(st.env)), st
			}
		}
		panic("conformance: unknown setting " + name)
	}
	var problems []error
	bad := func(st setting, format string, args ...any) {
		problems = append(problems, fmt.Errorf("%s (--%s): %s", st.env, st.flag, fmt.Sprintf(format, args...)))
	}
	t := &Target{Timeout: DefaultTimeout}

	rawTarget, targetSt := get("target")
	if v, st := rawTarget, targetSt; v != "" {
		u, err := url.Parse(v)
		switch {
		case err != nil:
			bad(st, "%q is not a URL: %v", v, err)
		case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			bad(st, "%q is not an absolute http(s) URL like https://abptest-api.akinon.net/api/v1", v)
		case u.RawQuery != "" || u.Fragment != "":
			bad(st, "%q must not carry a query or fragment", v)
		default:
			t.BaseURL = strings.TrimRight(v, "/")
		}
	}
	cmd, cmdSt := get("token-cmd")
	t.TokenCmd = cmd
	access, accessSt := get("access-token")
	refresh, refreshSt := get("refresh-token")
	switch {
	case (access == "") != (refresh == ""):
		missing := refreshSt
		if access == "" {
			missing = accessSt
		}
		bad(missing, "is empty: a static pair needs both CONFORMANCE_ACCESS_TOKEN and CONFORMANCE_REFRESH_TOKEN")
	case access != "" && cmd != "":
		bad(cmdSt, "is set together with a static pair (CONFORMANCE_ACCESS_TOKEN, CONFORMANCE_REFRESH_TOKEN): choose one token source")
	case access != "":
		t.Static = &spec.TokenPair{AccessToken: access, RefreshToken: refresh}
	}
	if rawTarget == "" && (cmd != "" || access != "") {
		bad(targetSt, "is empty, so the embedded mock is judged and mints its own sessions: set it to use the configured tokens")
	}
	if v, st := get("timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			bad(st, "%q is not a positive duration like 10s or 1m30s", v)
		} else {
			t.Timeout = d
		}
	}
	if v, st := get("rps"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 {
			bad(st, "%q is not a positive number of requests per second like 2 or 0.5", v)
		} else {
			t.RPS = r
		}
	}
	if v, st := get("headers"); v != "" {
		h, err := ParseHeaders(v)
		if err != nil {
			bad(st, "%v", err)
		}
		t.Headers = h
	}
	path, specSt := get("spec")
	if err := t.loadSpec(path); err != nil {
		if path != "" {
			bad(specSt, "%v", err)
		} else {
			problems = append(problems, err)
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("conformance: invalid settings:\n%w", errors.Join(problems...))
	}
	return t, nil
}

func (t *Target) loadSpec(path string) error {
	var err error
	if path == "" {
		t.Spec, err = spec.Load()
	} else {
		t.Spec, err = spec.LoadFile(path)
	}
	if err != nil {
		return err
	}
	op, ok := t.Spec.Operation(spec.RefreshOperationID)
	if !ok {
		return fmt.Errorf("%s declares no operation %q to judge", t.Spec.Source(), spec.RefreshOperationID)
	}
	t.Operation = op
	return nil
}

// ParseHeaders reads "Name: value" (or "Name=value") entries separated by newlines or
// commas. A header name holds neither ':' nor '=', so the first of them ends it.
func ParseHeaders(s string) (http.Header, error) {
	h := http.Header{}
	for _, entry := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' }) {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		i := strings.IndexAny(entry, ":=")
		if i <= 0 {
			return nil, fmt.Errorf("entry %q is not \"Name: value\"", redactHeaderEntry(entry))
		}
		name := strings.TrimSpace(entry[:i])
		if !validHeaderName(name) {
			return nil, fmt.Errorf("%q is not a valid header name", name)
		}
		h.Add(textproto.CanonicalMIMEHeaderKey(name), strings.TrimSpace(entry[i+1:]))
	}
	return h, nil
}

// redactHeaderEntry keeps a malformed entry's first characters only: it may be a secret.
func redactHeaderEntry(entry string) string {
	if len(entry) > 6 {
		return entry[:6] + "…"
	}
	return entry
}

func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}
