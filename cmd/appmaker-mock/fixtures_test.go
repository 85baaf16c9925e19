package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// --fixtures (or APPMAKER_MOCK_FIXTURES) starts the mock with the file's sessions.
func TestFixturesFlagStartsWithKnownSessions(t *testing.T) {
	t.Setenv("APPMAKER_MOCK_FIXTURES", "../../docs/fixtures.example.yaml")
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--log", "off", "--events", "10"}, io.Discard, &stderr)
	}()
	addr := waitFor(t, &stderr, regexp.MustCompile(`on (http://127\.0\.0\.1:\d+)/api/v1`))

	req, _ := http.NewRequest(http.MethodPost, addr+"/api/v1/auth/refresh-token", strings.NewReader(`{"refreshToken":"fixture-refresh-alice"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer fixture-access-alice")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("refreshing the fixture's token answered %d", resp.StatusCode)
	}
	resp, err = http.Get(addr + "/__mock/sessions/alice")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"generation":2`) || !strings.Contains(string(body), `"fixture":"alice"`) {
		t.Errorf("GET /__mock/sessions/alice = %s", body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return")
	}
}

func TestBadFixturesAreRefusedAtStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fixtures.yaml")
	if err := os.WriteFile(path, []byte("sessions:\n  - sub: a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--fixtures", path}, path + ": session 1: sub and org are required"},
		{[]string{"--fixtures", path + ".missing"}, path + ".missing"},
		{[]string{"--events", "-1"}, "event buffer"},
	}
	for _, c := range cases {
		err := run(context.Background(), append([]string{"--addr", "127.0.0.1:0"}, c.args...), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want it to say %q", c.args, err, c.want)
		}
	}
}
