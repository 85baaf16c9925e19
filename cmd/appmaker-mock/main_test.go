package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestHelpExplainsTheFlagsAndTheirEnvironment(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"--help"}, io.Discard, &stderr)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help returned %v", err)
	}
	for _, want := range []string{"--reuse-grace", "--auth", "APPMAKER_MOCK_", "/__mock/sessions"} {
		if !strings.Contains(strings.ReplaceAll(stderr.String(), "  -", "  --"), want) {
			t.Errorf("--help does not mention %s", want)
		}
	}
}

func TestBadInputIsRefusedWithAClearError(t *testing.T) {
	cases := map[string]struct {
		args []string
		env  map[string]string
		want string
	}{
		"auth mode":        {args: []string{"--auth", "sometimes"}, want: `auth mode "sometimes"`},
		"duration":         {args: []string{"--refresh-ttl", "soon"}, want: "refresh-ttl"},
		"env duration":     {env: map[string]string{"APPMAKER_MOCK_REUSE_GRACE": "later"}, want: "APPMAKER_MOCK_REUSE_GRACE"},
		"positional":       {args: []string{"serve"}, want: `unexpected argument "serve"`},
		"missing spec":     {args: []string{"--spec", "/nonexistent.json"}, want: "/nonexistent.json"},
		"address in use":   {args: []string{"--addr", "256.0.0.1:1"}, want: "listen on 256.0.0.1:1"},
		"negative ballast": {args: []string{"--gc-ballast-mib", "-1"}, want: `"-1" for flag -gc-ballast-mib: want a whole number of MiB from 0 (none) to 1024`},
		"env ballast":      {env: map[string]string{"APPMAKER_MOCK_GC_BALLAST_MIB": "4096"}, want: `APPMAKER_MOCK_GC_BALLAST_MIB="4096": want a whole number of MiB from 0 (none) to 1024`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			err := run(context.Background(), append([]string{"--addr", "127.0.0.1:0"}, c.args...), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want it to mention %q", err, c.want)
			}
		})
	}
}

func TestServesASeededSessionAndShutsDownCleanly(t *testing.T) {
	t.Setenv("APPMAKER_MOCK_LOG", "json")
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--seed"}, &stdout, &stderr) }()

	addr := waitFor(t, &stderr, regexp.MustCompile(`on (http://127\.0\.0\.1:\d+)/api/v1`))
	// The seed reaches stdout after the banner reaches stderr: wait for its last line.
	waitFor(t, &stdout, regexp.MustCompile(`-d '\{"refreshToken"`))
	var seed mock.SessionTokens
	if err := json.NewDecoder(strings.NewReader(stdout.String())).Decode(&seed); err != nil {
		t.Fatalf("--seed did not print a session: %v", err)
	}
	if !strings.Contains(stdout.String(), "curl -sS -X POST "+addr+"/api/v1/auth/refresh-token") {
		t.Errorf("--seed printed no curl line for %s", addr)
	}
	req, _ := http.NewRequest(http.MethodPost, addr+"/api/v1/auth/refresh-token", strings.NewReader(`{"refreshToken":"`+seed.RefreshToken+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+seed.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("refreshing the seeded session answered %d", resp.StatusCode)
	}
	waitFor(t, &stderr, regexp.MustCompile(`"status":201`))
	for _, tok := range []string{seed.AccessToken, seed.RefreshToken} {
		if strings.Contains(stderr.String(), tok) {
			t.Fatal("a token reached the log")
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after shutdown: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
}

func waitFor(t *testing.T, b *syncBuffer, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(b.String()); m != nil {
			return m[len(m)-1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %s in output:\n%s", re, b.String())
	return ""
}
