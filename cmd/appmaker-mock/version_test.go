package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
)

const versionPkg = "github.com/appmaker/refresh-conformance/internal/version"

// `make dist` stamps the version and commit; --version must print exactly those.
func TestVersionPrintsWhatTheBuildStamped(t *testing.T) {
	bin := buildMock(t, "-ldflags", "-X "+versionPkg+".version=v9.8.7-test -X "+versionPkg+".commit=0123456789abcdef")
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("--version: %v\n%s", err, out)
	}
	for _, want := range []string{"appmaker-mock v9.8.7-test", "commit 0123456789abcdef"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("--version printed %q, want it to contain %q", out, want)
		}
	}
}

// A deployment may set APPMAKER_MOCK_VERSION for its own bookkeeping: the mock still serves.
func TestVersionAndHealthcheckAreNotReadFromTheEnvironment(t *testing.T) {
	t.Setenv("APPMAKER_MOCK_VERSION", "v1")
	t.Setenv("APPMAKER_MOCK_HEALTHCHECK", "true")
	o, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatalf("parseFlags: %v", err)
	}
	if o.version || o.healthcheck {
		t.Errorf("the environment turned on version=%v healthcheck=%v: the mock would not serve", o.version, o.healthcheck)
	}
}

func TestHealthcheckAsksHealthz(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	}))
	defer ok.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer down.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedAddr := closed.Listener.Addr().String()
	closed.Close()

	port := ok.Listener.Addr().String()
	port = port[strings.LastIndex(port, ":"):]
	tests := map[string]struct {
		addr    string
		healthy bool
	}{
		"healthy":                        {ok.Listener.Addr().String(), true},
		"listening on every interface":   {"0.0.0.0" + port, true},
		"listening on every interface 6": {"[::]" + port, true},
		"an answer other than 200":       {down.Listener.Addr().String(), false},
		"nothing listening":              {closedAddr, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var stdout bytes.Buffer
			err := run(context.Background(), []string{"--healthcheck", "--addr", tt.addr}, &stdout, io.Discard)
			if tt.healthy && err != nil {
				t.Fatalf("unhealthy: %v", err)
			}
			if !tt.healthy && !errors.Is(err, errUnhealthy) {
				t.Fatalf("got %v, want an errUnhealthy (exit status 1)", err)
			}
		})
	}
}

// The real mock answers the probe the container image runs.
func TestHealthcheckAgainstTheMock(t *testing.T) {
	p := startMock(t, buildMock(t))
	addr := strings.TrimPrefix(p.base, "http://")
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"--healthcheck", "--addr", addr}, &stdout, io.Discard); err != nil {
		t.Fatalf("--healthcheck against a serving mock: %v", err)
	}
	if !strings.Contains(stdout.String(), "200") {
		t.Errorf("--healthcheck printed %q, want the 200 it saw", stdout.String())
	}
}
