package conformance

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

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
	{"spec", "CONFORMANCE_SPEC", "OpenAPI document to judge against instead of the embedded one (a relative path starts from --workdir)"},
	{"reuse-grace", "CONFORMANCE_REUSE_GRACE", "the server's reuse grace window, e.g. 2s: the suite also waits it out and requires a replay after it to be treated as reuse (default: unset, no such spec runs)"},
	{"race", "CONFORMANCE_RACE", fmt.Sprintf("how many refreshes of one token the race spec sends at once, each on its own connection (default %d)", DefaultRace)},
	{"retry-status", "CONFORMANCE_RETRY_STATUS", fmt.Sprintf("statuses a gateway answers that are retried with backoff, honouring Retry-After, e.g. 429,503 (default %s; \"none\" for none)", joinInts(DefaultRetryStatus))},
	{"retry-budget", "CONFORMANCE_RETRY_BUDGET", fmt.Sprintf("how long one request may wait in retries; once spent its spec is not judged (default %s)", DefaultRetryBudget)},
	{"ca-file", "CONFORMANCE_CA_FILE", "PEM file of CA certificates to trust besides the system's, for a test server's private CA (a relative path starts from --workdir)"},
	{"insecure-tls", "CONFORMANCE_INSECURE_TLS", "1: do not verify the server's TLS certificate (reported loudly; for test servers only)"},
	{"strict", "CONFORMANCE_STRICT", "1: advisories (RFC 6749 §5.1 Cache-Control: no-store, Pragma: no-cache) fail their spec instead of warning"},
	{"reveal-tokens", "CONFORMANCE_REVEAL_TOKENS", "1: reports and curl lines carry the real tokens, for local debugging; never the default, flagged at the top of every report"},
	{"workdir", "CONFORMANCE_WORKDIR", "directory the token command runs in and relative paths start from (default: the current directory; make conformance sets it to where make was run)"},
	{"report-dir", "CONFORMANCE_REPORT_DIR", "directory for report.html, summary.md and rapid's fail records (default: none written; make conformance sets reports/)"},
}

// Defaults of the settings added for gateways and races.
var (
	DefaultRace        = 8
	DefaultRetryStatus = []int{429, 503}
	DefaultRetryBudget = 30 * time.Second
)

func joinInts(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

// Settings are the raw values of the Target's flags; empty ones fall back to the
// environment when resolved.
type Settings struct {
	values map[string]*string
}

// RegisterFlags adds every setting of the Target to fs (--target, --token-cmd, --timeout,
// --reuse-grace, --retry-status, --ca-file, ...). Nothing is read until Resolve.
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

	// ReuseGrace is the server's declared reuse grace window; 0 means not declared.
	ReuseGrace time.Duration
	// Race is how many refreshes of one token the race check sends at once.
	Race int
	// RetryStatus lists the gateway statuses retried with backoff; RetryBudget bounds the
	// waiting of one request, after which its spec is not judged.
	RetryStatus []int
	RetryBudget time.Duration
	// TLS is the client's TLS configuration (a private CA, or no verification); nil: Go's default.
	TLS *tls.Config
	// InsecureTLS is set when certificates are not verified: every report says so.
	InsecureTLS bool
	// Strict makes advisories fail their spec.
	Strict bool
	// RevealTokens leaves tokens in reports and curl lines.
	RevealTokens bool
	// WorkDir is where the token command runs; empty: the current directory.
	WorkDir string
	// ReportDir receives report.html, summary.md and rapid's fail records; empty: none.
	ReportDir string
	// Sleep waits d or until ctx ends (retries, a grace window); nil: a real timer. Tests fake it.
	Sleep func(ctx context.Context, d time.Duration) error

	// pacer is the rate limit of CONFORMANCE_RPS, shared by the client built on this
	// Target and the token command; NewClient sets it.
	pacer *rate.Limiter
}

// sleep waits d by t.Sleep or a real timer.
func (t *Target) sleep(ctx context.Context, d time.Duration) error {
	if t.Sleep != nil {
		return t.Sleep(ctx, d)
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// waitTurn waits until CONFORMANCE_RPS allows the next request or token-command run.
func (t *Target) waitTurn(ctx context.Context) error {
	if t.pacer == nil {
		return nil
	}
	if err := t.pacer.Wait(ctx); err != nil {
		return fmt.Errorf("conformance: waiting for the rate limit (CONFORMANCE_RPS=%g): %w", t.RPS, err)
	}
	return nil
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
	t := &Target{Timeout: DefaultTimeout, Race: DefaultRace, RetryStatus: DefaultRetryStatus, RetryBudget: DefaultRetryBudget}

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
	t.resolveSemanticsAndTransport(get, bad)
	path, specSt := get("spec")
	if path != "" && !filepath.IsAbs(path) && t.WorkDir != "" {
		path = filepath.Join(t.WorkDir, path)
	}
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
