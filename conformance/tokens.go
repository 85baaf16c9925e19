package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/appmaker/refresh-conformance/spec"
)

// HowToSupplyTokens is the advice every skip for lack of tokens gives.
const HowToSupplyTokens = `set CONFORMANCE_TOKEN_CMD (--token-cmd) to a command that prints {"accessToken": "...", "refreshToken": "..."} for a fresh session, so that every spec gets its own`

// NoTokensError says why a spec that needs a session of its own cannot run. The suite
// skips such a spec instead of failing it.
type NoTokensError struct{ Reason string }

func (e *NoTokensError) Error() string { return e.Reason + "; " + HowToSupplyTokens }

// MintFunc starts a fresh session on the target in-process (the embedded mock).
type MintFunc func(ctx context.Context) (spec.TokenPair, error)

// Tokens hands out sessions: from the token command (once per call), from the one
// static pair (once in all), or from a mint function. Every token it sees is registered
// with the redactor before anyone can print it. It is safe for concurrent use.
type Tokens struct {
	target   *Target
	cmd      string
	timeout  time.Duration
	mint     MintFunc
	redactor *Redactor

	mu         sync.Mutex
	static     *spec.TokenPair
	staticUsed string // who used up the static pair, or why it cannot be used here
	shared     *spec.TokenPair
	unspent    *spec.TokenPair
}

// NewTokens returns the token source t configures; mint, if not nil, is used when t
// names no command and no static pair (the embedded mock).
func NewTokens(t *Target, mint MintFunc, r *Redactor) *Tokens {
	ts := &Tokens{target: t, cmd: t.TokenCmd, timeout: t.Timeout, redactor: r}
	if t.Static != nil {
		pair := *t.Static
		r.Add(pair.AccessToken)
		r.Add(pair.RefreshToken)
		ts.static = &pair
	}
	if ts.cmd == "" && ts.static == nil {
		ts.mint = mint
	}
	return ts
}

// Source names where sessions come from, for the report.
func (t *Tokens) Source() string {
	switch {
	case t.cmd != "":
		return "the token command (CONFORMANCE_TOKEN_CMD)"
	case t.static != nil:
		return "one static pair (CONFORMANCE_ACCESS_TOKEN, CONFORMANCE_REFRESH_TOKEN)"
	case t.mint != nil:
		return "sessions minted by the embedded mock"
	}
	return "none"
}

// ReserveStatic keeps the static pair from being used up here, for reason (e.g. another
// parallel process owns it).
func (t *Tokens) ReserveStatic(reason string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.staticUsed == "" {
		t.staticUsed = reason
	}
}

// Fresh returns the pair of a session that the caller, named by who, may use up. It is a
// *NoTokensError when no such session can be had.
func (t *Tokens) Fresh(ctx context.Context, who string) (spec.TokenPair, error) {
	switch {
	case t.cmd != "":
		return t.run(ctx)
	case t.mint != nil:
		return t.minted(ctx)
	case t.static != nil:
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.staticUsed != "" {
			return spec.TokenPair{}, &NoTokensError{Reason: "the one static pair is spent: " + t.staticUsed}
		}
		t.staticUsed = "used up by " + strings.TrimSpace(who)
		return *t.static, nil
	}
	return spec.TokenPair{}, &NoTokensError{Reason: "no tokens were supplied"}
}

// Unspent returns a session that checks send only where it must be refused (a forged
// credential beside its valid refresh token): on a correct server nothing is used up, so
// every such check shares it until Spent says a server took its refresh token.
func (t *Tokens) Unspent(ctx context.Context, who string) (spec.TokenPair, error) {
	t.mu.Lock()
	held := t.unspent
	t.mu.Unlock()
	if held != nil {
		return *held, nil
	}
	pair, err := t.Fresh(ctx, who)
	if err != nil {
		return spec.TokenPair{}, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.unspent == nil {
		t.unspent = &pair
	}
	return *t.unspent, nil
}

// Spent drops pair from Unspent: a server took its refresh token.
func (t *Tokens) Spent(pair spec.TokenPair) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.unspent != nil && *t.unspent == pair {
		t.unspent = nil
	}
}

// SharedSession is the session of the specs that use up no refresh token: its access
// token is presented as a credential, its refresh token is never sent intact.
type SharedSession struct {
	Pair spec.TokenPair
	// Held is false when no tokens were supplied at all.
	Held bool
	// Doubt is empty when the access token is known to be good, else says why it may not be.
	Doubt string
}

// Credential is the shared access token as a Bearer credential, or none.
func (s SharedSession) Credential() Credential {
	if !s.Held {
		return NoCredential
	}
	return Bearer(s.Pair.AccessToken)
}

// Shared returns the shared session, starting it on first use.
func (t *Tokens) Shared(ctx context.Context) (SharedSession, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.shared == nil {
		var pair spec.TokenPair
		var err error
		switch {
		case t.static != nil:
			pair = *t.static
		case t.cmd != "":
			pair, err = t.run(ctx)
		case t.mint != nil:
			pair, err = t.minted(ctx)
		default:
			return SharedSession{}, nil
		}
		if err != nil {
			return SharedSession{}, err
		}
		t.shared = &pair
	}
	s := SharedSession{Pair: *t.shared, Held: true}
	if t.static != nil {
		// The one pair may have been spent (and its session revoked) by a spec that ran
		// before; an access token also expires. A fresh session has neither doubt.
		if t.staticUsed != "" {
			s.Doubt = "the static pair's session may have ended: it was " + t.staticUsed
		} else if exp, ok := jwtExpiry(t.static.AccessToken); ok && !time.Now().Before(exp) {
			s.Doubt = "the static access token expired at " + exp.UTC().Format(time.RFC3339)
		}
	}
	return s, nil
}

func (t *Tokens) minted(ctx context.Context) (spec.TokenPair, error) {
	pair, err := t.mint(ctx)
	if err != nil {
		return spec.TokenPair{}, fmt.Errorf("conformance: start a session on the embedded mock: %w", err)
	}
	t.redactor.Add(pair.AccessToken)
	t.redactor.Add(pair.RefreshToken)
	return pair, nil
}

// run runs the token command once, bounded by the request timeout, in the work directory
// (where the user stands under make conformance), when CONFORMANCE_RPS lets the next
// request go: a sign-in is a request to the same servers.
func (t *Tokens) run(ctx context.Context) (spec.TokenPair, error) {
	if err := t.target.waitTurn(ctx); err != nil {
		return spec.TokenPair{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", t.cmd)
	cmd.Dir = t.target.WorkDir
	cmd.WaitDelay = time.Second // a child that keeps stdout open must not hang the suite
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	t.redactor.AddFromJSON(stdout.Bytes())
	if ctx.Err() == context.DeadlineExceeded {
		return spec.TokenPair{}, fmt.Errorf("conformance: the token command (CONFORMANCE_TOKEN_CMD) did not finish within %s (CONFORMANCE_TIMEOUT)", t.timeout)
	}
	if err != nil {
		return spec.TokenPair{}, fmt.Errorf("conformance: the token command (CONFORMANCE_TOKEN_CMD) failed: %v; its stderr: %s",
			err, t.redactor.Redact(lastLines(stderr.String(), 5)))
	}
	pair, err := parseTokenOutput(stdout.Bytes())
	if err != nil {
		return spec.TokenPair{}, fmt.Errorf("conformance: the token command (CONFORMANCE_TOKEN_CMD) printed %d bytes that are not one JSON object {\"accessToken\": \"...\", \"refreshToken\": \"...\"}: %w",
			stdout.Len(), err)
	}
	t.redactor.Add(pair.AccessToken)
	t.redactor.Add(pair.RefreshToken)
	return pair, nil
}

// parseTokenOutput reads the command's JSON object. Its errors never quote the output:
// it holds secrets.
func parseTokenOutput(out []byte) (spec.TokenPair, error) {
	var fields map[string]any
	dec := json.NewDecoder(bytes.NewReader(out))
	if err := dec.Decode(&fields); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return spec.TokenPair{}, fmt.Errorf("it is a JSON %s", typeErr.Value)
		}
		return spec.TokenPair{}, errors.New("it is not valid JSON")
	}
	if dec.More() {
		return spec.TokenPair{}, errors.New("more follows the first JSON value")
	}
	var pair spec.TokenPair
	for name, dst := range map[string]*string{"accessToken": &pair.AccessToken, "refreshToken": &pair.RefreshToken} {
		s, ok := fields[name].(string)
		if !ok || s == "" {
			return spec.TokenPair{}, fmt.Errorf("%q is missing or not a non-empty string", name)
		}
		*dst = s
	}
	return pair, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 1 && lines[0] == "" {
		return "(empty)"
	}
	return strings.Join(lines, " | ")
}
