package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/proxy"
	"github.com/appmaker/refresh-conformance/spec"
)

// watchWriter is a buffer that says on found when its text first matches re.
type watchWriter struct {
	mu    sync.Mutex
	b     bytes.Buffer
	re    *regexp.Regexp
	found chan string
}

func newWatchWriter(re *regexp.Regexp) *watchWriter {
	return &watchWriter{re: re, found: make(chan string, 1)}
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.b.Write(p)
	if w.re != nil {
		if m := w.re.FindStringSubmatch(w.b.String()); m != nil {
			w.found <- m[len(m)-1]
			w.re = nil
		}
	}
	return n, err
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func TestProxyHelpNamesItsFlagsAndTheirEnvironment(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"proxy", "--help"}, io.Discard, &stderr)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("run(proxy --help) = %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"-upstream", "-addr", "-report", "-annotate", "-strict", "-upstream-ca", "-upstream-insecure",
		"-timeout", "-max-tokens", "-admin", "-admin-token", "-events", "-diagnostics", "-race-window", "-storm-limit",
		"APPMAKER_MOCK_PROXY_"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("proxy --help does not mention %s:\n%s", want, stderr.String())
		}
	}
}

func TestProxyRefusesABadCommandLine(t *testing.T) {
	t.Setenv("APPMAKER_MOCK_UPSTREAM", "http://localhost:5001/api/v1") // not the proxy's variable
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "--upstream is required"},
		{[]string{"--upstream", "localhost:5001"}, "http:// or https://"},
		{[]string{"--upstream", "http://user:pw@localhost:5001/api/v1"}, "user and password"},
		{[]string{"--upstream", "http://localhost:5001/api/v1", "--upstream-ca", filepath.Join(t.TempDir(), "none.pem")}, "upstream CA"},
		{[]string{"--upstream", "http://localhost:5001/api/v1", "--timeout", "0s"}, "timeout must be positive"},
		{[]string{"--upstream", "http://localhost:5001/api/v1", "stray"}, "unexpected argument"},
		{[]string{"--upstream", "http://localhost:5001/api/v1", "--race-window", "0s"}, "--race-window"},
		{[]string{"--upstream", "http://localhost:5001/api/v1", "--events", "-1"}, "event buffer"},
	} {
		err := run(context.Background(), append([]string{"proxy", "--addr", "127.0.0.1:0"}, c.args...), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("proxy %q: error = %v, want it to mention %q", c.args, err, c.want)
		}
	}
}

// The proxy subcommand in front of a mock, configured from its environment: a replayed
// token reaches the report file as the client's violation, with no token in it, and the
// proxy's own journal and findings, behind its admin token; an open event stream does not
// hold the shutdown.
func TestProxySubcommandReportsAReplayedToken(t *testing.T) {
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mock.NewServer(doc, mock.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	upstream := httptest.NewServer(srv)
	t.Cleanup(upstream.Close)
	report := filepath.Join(t.TempDir(), "violations.jsonl")
	t.Setenv("APPMAKER_MOCK_PROXY_UPSTREAM", upstream.URL+"/api/v1")
	t.Setenv("APPMAKER_MOCK_PROXY_ANNOTATE", "true")
	t.Setenv("APPMAKER_MOCK_PROXY_ADMIN_TOKEN", "s3cret")
	t.Setenv("APPMAKER_MOCK_ADDR", "127.0.0.1:1") // the mock's variable: not the proxy's

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := newWatchWriter(regexp.MustCompile(`forwarding (http://127\.0\.0\.1:\d+)/api/v1 to`))
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"proxy", "--addr", "127.0.0.1:0", "--report", report}, io.Discard, stderr)
	}()
	var base string
	select {
	case base = <-stderr.found:
	case err := <-done:
		t.Fatalf("the proxy stopped before serving: %v\n%s", err, stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("the proxy did not start:\n%s", stderr)
	}

	resp, err := http.Post(base+"/__mock/sessions", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	var pair spec.TokenPair
	_ = json.NewDecoder(resp.Body).Decode(&pair)
	resp.Body.Close()
	refreshOnce := func(access, refresh string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/auth/refresh-token",
			strings.NewReader(`{"refreshToken":"`+refresh+`"}`))
		req.Header.Set("Authorization", "Bearer "+access)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if first := refreshOnce(pair.AccessToken, pair.RefreshToken); first.StatusCode != 201 {
		t.Fatalf("the first refresh through the proxy answered %d", first.StatusCode)
	}
	second := refreshOnce(pair.AccessToken, pair.RefreshToken)
	if second.StatusCode != 401 || second.Header.Get(proxy.ViolationHeader) != string(proxy.RuleSpentTokenPresented) {
		t.Fatalf("the replay answered %d with %s %q, want the mock's 401 annotated", second.StatusCode,
			proxy.ViolationHeader, second.Header.Get(proxy.ViolationHeader))
	}
	admin := func(path, token string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	if resp, body := admin("/__mock/events", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the proxy's events without its admin token = %d %s", resp.StatusCode, body)
	}
	var list proxy.EventList
	if resp, body := admin("/__mock/events", "s3cret"); resp.StatusCode != http.StatusOK || json.Unmarshal(body, &list) != nil ||
		!slices.ContainsFunc(list.Events, func(e proxy.Event) bool {
			return e.Type == proxy.EventViolation && e.Violation.Rule == proxy.RuleSpentTokenPresented
		}) {
		t.Errorf("the proxy's events with its admin token = %d %s, want the spent token's violation", resp.StatusCode, body)
	}
	var found proxy.FindingList
	if resp, body := admin("/__mock/diagnostics", "s3cret"); resp.StatusCode != http.StatusOK || json.Unmarshal(body, &found) != nil ||
		len(found.Findings) == 0 {
		// concurrent-refresh or stale-token-replay, as the time between the two refreshes falls.
		t.Errorf("the proxy's findings = %d %s, want the replay found", resp.StatusCode, body)
	}
	streamReq, _ := http.NewRequest(http.MethodGet, base+"/__mock/events?follow=1", nil)
	streamReq.Header.Set("Authorization", "Bearer s3cret")
	stream, err := http.DefaultClient.Do(streamReq)
	if err != nil || stream.StatusCode != http.StatusOK {
		t.Fatalf("the proxy's event stream: %v %v", stream, err)
	}
	defer stream.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("the proxy did not shut down cleanly: %v", err)
	}

	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	var v proxy.Violation
	if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &v) != nil || v.Rule != proxy.RuleSpentTokenPresented || v.Party != proxy.PartyClient {
		t.Fatalf("the report holds %d lines, want one spent-token-presented:\n%s", len(lines), raw)
	}
	if strings.Contains(string(raw), pair.RefreshToken) || strings.Contains(string(raw), pair.AccessToken) {
		t.Fatalf("a token reached the report:\n%s", raw)
	}
}
