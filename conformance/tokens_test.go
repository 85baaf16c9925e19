package conformance_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/conformance"
	"github.com/appmaker/refresh-conformance/spec"
)

func tokensFor(target *conformance.Target) (*conformance.Tokens, *conformance.Redactor) {
	r := conformance.NewRedactor()
	return conformance.NewTokens(target, nil, r), r
}

func TestTheTokenCommandRunsOncePerFreshSession(t *testing.T) {
	counter := filepath.Join(t.TempDir(), "runs")
	cmd := `n=$(cat ` + counter + ` 2>/dev/null || echo 0); n=$((n+1)); echo $n > ` + counter + `;` +
		` printf '{"accessToken": "access-%s-abcdefgh", "refreshToken": "refresh-%s-abcdefgh", "sessionId": "s"}\n' $n $n`
	tokens, r := tokensFor(&conformance.Target{BaseURL: "http://x", TokenCmd: cmd, Timeout: 5 * time.Second})
	first, err := tokens.Fresh(t.Context(), "spec one")
	if err != nil {
		t.Fatal(err)
	}
	second, err := tokens.Fresh(t.Context(), "spec two")
	if err != nil {
		t.Fatal(err)
	}
	if first.RefreshToken != "refresh-1-abcdefgh" || second.RefreshToken != "refresh-2-abcdefgh" {
		t.Errorf("want one run per session, got %+v then %+v", first, second)
	}
	shared, err := tokens.Shared(t.Context())
	again, _ := tokens.Shared(t.Context())
	if err != nil || !shared.Held || shared.Doubt != "" || shared != again || shared.Pair.AccessToken != "access-3-abcdefgh" {
		t.Errorf("the shared session should come from one more run, once: %+v, %+v, %v", shared, again, err)
	}
	for _, secret := range []string{first.AccessToken, first.RefreshToken, second.AccessToken, shared.Pair.RefreshToken} {
		if got := r.Redact("x " + secret + " y"); strings.Contains(got, secret) {
			t.Errorf("a token from the command is not redacted: %q", got)
		}
	}
}

func TestTheTokenCommandFailsClearlyWithoutQuotingItsOutput(t *testing.T) {
	cases := []struct {
		name, cmd string
		want      []string
	}{
		{"not JSON", `echo secret-output-1234`, []string{"CONFORMANCE_TOKEN_CMD", "not valid JSON", "printed 19 bytes"}},
		{"an array", `echo '["secret-output-1234"]'`, []string{"a JSON array"}},
		{"a missing token", `echo '{"accessToken": "secret-output-1234"}'`, []string{`"refreshToken" is missing`}},
		{"a number", `echo '{"accessToken": "secret-output-1234", "refreshToken": 5}'`, []string{`"refreshToken" is missing or not a non-empty string`}},
		{"two objects", `echo '{"accessToken": "a", "refreshToken": "b"} {}'`, []string{"more follows"}},
		{"a failing command", `echo 'login refused' >&2; exit 3`, []string{"failed: exit status 3", "login refused"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tokens, _ := tokensFor(&conformance.Target{BaseURL: "http://x", TokenCmd: c.cmd, Timeout: 5 * time.Second})
			_, err := tokens.Fresh(t.Context(), "a spec")
			if err == nil {
				t.Fatal("want an error")
			}
			if strings.Contains(err.Error(), "secret-output-1234") {
				t.Errorf("the error quotes the command's output: %v", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestAHangingTokenCommandNamesTheTimeout(t *testing.T) {
	tokens, _ := tokensFor(&conformance.Target{BaseURL: "http://x", TokenCmd: "sleep 30", Timeout: 200 * time.Millisecond})
	start := time.Now()
	_, err := tokens.Fresh(t.Context(), "a spec")
	if err == nil || !strings.Contains(err.Error(), "did not finish within 200ms (CONFORMANCE_TIMEOUT)") {
		t.Errorf("error = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("waited %s", d)
	}
}

func TestTheStaticPairIsUsedUpOnce(t *testing.T) {
	pair := spec.TokenPair{AccessToken: "static-access-0001", RefreshToken: "static-refresh-0001"}
	tokens, r := tokensFor(&conformance.Target{BaseURL: "http://x", Static: &pair})
	if r.Redact(pair.AccessToken+pair.RefreshToken) != "[token#1][token#2]" {
		t.Error("the static pair must be redacted from the start")
	}
	got, err := tokens.Fresh(t.Context(), "the first spec")
	if err != nil || got != pair {
		t.Fatalf("first use: %+v, %v", got, err)
	}
	_, err = tokens.Fresh(t.Context(), "the second spec")
	var none *conformance.NoTokensError
	if !errors.As(err, &none) || !strings.Contains(err.Error(), "used up by the first spec") || !strings.Contains(err.Error(), "CONFORMANCE_TOKEN_CMD") {
		t.Errorf("second use: %v", err)
	}
	shared, err := tokens.Shared(t.Context())
	if err != nil || !shared.Held || shared.Pair != pair || !strings.Contains(shared.Doubt, "used up by the first spec") {
		t.Errorf("the spent static pair still serves the safe specs, with a doubt: %+v %v", shared, err)
	}

	reserved, _ := tokensFor(&conformance.Target{BaseURL: "http://x", Static: &pair})
	reserved.ReserveStatic("it belongs to parallel process 1")
	if _, err := reserved.Fresh(t.Context(), "a spec"); !errors.As(err, &none) || !strings.Contains(err.Error(), "parallel process 1") {
		t.Errorf("a reserved pair must not be handed out: %v", err)
	}
}

func TestWithoutTokensSpecsAreSkippedNotFailed(t *testing.T) {
	tokens, _ := tokensFor(&conformance.Target{BaseURL: "http://x"})
	_, err := tokens.Fresh(t.Context(), "a spec")
	var none *conformance.NoTokensError
	if !errors.As(err, &none) || !strings.Contains(err.Error(), conformance.HowToSupplyTokens) {
		t.Errorf("err = %v", err)
	}
	if shared, err := tokens.Shared(t.Context()); shared.Held || err != nil || shared.Credential().Present() {
		t.Errorf("Shared = %+v, %v; want no session and no error", shared, err)
	}
}

func TestAnExpiredStaticAccessTokenIsNotTrusted(t *testing.T) {
	enc := base64.RawURLEncoding
	expired := enc.EncodeToString([]byte(`{"alg":"HS256"}`)) + "." + enc.EncodeToString([]byte(`{"exp":1000000000}`)) + ".c2ln"
	tokens, _ := tokensFor(&conformance.Target{BaseURL: "http://x", Static: &spec.TokenPair{AccessToken: expired, RefreshToken: "static-refresh-0001"}})
	shared, err := tokens.Shared(t.Context())
	if err != nil || !strings.Contains(shared.Doubt, "expired at 2001-09-09T01:46:40Z") {
		t.Errorf("shared = %+v, %v", shared, err)
	}
	fresh, _ := tokensFor(&conformance.Target{BaseURL: "http://x", Static: &spec.TokenPair{AccessToken: goodJWT(), RefreshToken: "static-refresh-0001"}})
	if shared, _ := fresh.Shared(t.Context()); shared.Doubt != "" {
		t.Errorf("an unspent static token without exp is trusted, got doubt %q", shared.Doubt)
	}
}

// The token command runs where the user stands (CONFORMANCE_WORKDIR, set by make
// conformance), so that `-d @test-user.json` finds the user's file.
func TestTheTokenCommandRunsInTheWorkDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pair.json"), []byte(`{"accessToken":"access-in-workdir","refreshToken":"refresh-in-workdir"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tokens, _ := tokensFor(&conformance.Target{BaseURL: "http://x", TokenCmd: "cat pair.json", Timeout: 5 * time.Second, WorkDir: dir})
	pair, err := tokens.Fresh(t.Context(), "spec")
	if err != nil || pair.RefreshToken != "refresh-in-workdir" {
		t.Errorf("pair %+v, err %v", pair, err)
	}
}

// Specs that send a valid refresh token only where it must be refused share one session
// until a server takes its token.
func TestUnspentIsSharedUntilSpent(t *testing.T) {
	n := 0
	mint := func(context.Context) (spec.TokenPair, error) {
		n++
		return spec.TokenPair{AccessToken: fmt.Sprintf("access-token-%d", n), RefreshToken: fmt.Sprintf("refresh-token-%d", n)}, nil
	}
	tokens := conformance.NewTokens(&conformance.Target{}, mint, conformance.NewRedactor())
	a, _ := tokens.Unspent(t.Context(), "one")
	b, _ := tokens.Unspent(t.Context(), "two")
	tokens.Spent(b)
	c, _ := tokens.Unspent(t.Context(), "three")
	if a != b || c == a || n != 2 {
		t.Errorf("a %v, b %v, c %v after %d sessions", a, b, c, n)
	}
}
