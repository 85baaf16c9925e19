package conformance_test

import (
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/conformance"
	"github.com/appmaker/refresh-conformance/spec"
)

func resolve(t *testing.T, args []string, env map[string]string) (*conformance.Target, error) {
	t.Helper()
	fs := flag.NewFlagSet("suite", flag.ContinueOnError)
	s := conformance.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return s.Resolve(func(k string) string { return env[k] })
}

func TestResolveDefaultsToTheEmbeddedMock(t *testing.T) {
	target, err := resolve(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !target.Embedded() || target.Timeout != 10*time.Second || target.RPS != 0 || target.Static != nil || target.TokenCmd != "" {
		t.Errorf("target = %+v", target)
	}
	if target.Operation == nil || target.Operation.ID != spec.RefreshOperationID {
		t.Errorf("operation = %v", target.Operation)
	}
}

func TestResolveReadsTheEnvironmentAndFlagsWin(t *testing.T) {
	env := map[string]string{
		"CONFORMANCE_TARGET":        "https://abptest-api.akinon.net/api/v1/",
		"CONFORMANCE_ACCESS_TOKEN":  "access-token-value",
		"CONFORMANCE_REFRESH_TOKEN": "refresh-token-value",
		"CONFORMANCE_TIMEOUT":       "3s",
		"CONFORMANCE_RPS":           "0.5",
		"CONFORMANCE_HEADERS":       "X-Gateway-Key: k1, X-Env=qa",
	}
	target, err := resolve(t, []string{"--timeout=250ms", "--target=https://abp-api.akinon.net/api/v1"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if target.BaseURL != "https://abp-api.akinon.net/api/v1" || target.Timeout != 250*time.Millisecond || target.RPS != 0.5 {
		t.Errorf("target = %+v", target)
	}
	if target.Static == nil || target.Static.AccessToken != "access-token-value" || target.Static.RefreshToken != "refresh-token-value" {
		t.Errorf("static pair = %+v", target.Static)
	}
	if got := target.Headers.Get("X-Gateway-Key") + "|" + target.Headers.Get("X-Env"); got != "k1|qa" {
		t.Errorf("headers = %v", target.Headers)
	}
}

func TestResolveNamesEveryBadVariable(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"target not a URL", map[string]string{"CONFORMANCE_TARGET": "abptest-api.akinon.net"}, []string{"CONFORMANCE_TARGET (--target)", "absolute http(s) URL"}},
		{"half a pair", map[string]string{"CONFORMANCE_TARGET": "http://x", "CONFORMANCE_ACCESS_TOKEN": "a-token-123"}, []string{"CONFORMANCE_REFRESH_TOKEN (--refresh-token)", "needs both"}},
		{"two token sources", map[string]string{"CONFORMANCE_TARGET": "http://x", "CONFORMANCE_ACCESS_TOKEN": "a", "CONFORMANCE_REFRESH_TOKEN": "r", "CONFORMANCE_TOKEN_CMD": "echo"}, []string{"CONFORMANCE_TOKEN_CMD (--token-cmd)", "choose one"}},
		{"tokens without a target", map[string]string{"CONFORMANCE_TOKEN_CMD": "echo"}, []string{"CONFORMANCE_TARGET (--target)", "embedded mock"}},
		{"timeout", map[string]string{"CONFORMANCE_TIMEOUT": "10"}, []string{"CONFORMANCE_TIMEOUT (--timeout)", `"10"`}},
		{"rps", map[string]string{"CONFORMANCE_RPS": "fast"}, []string{"CONFORMANCE_RPS (--rps)"}},
		{"headers", map[string]string{"CONFORMANCE_HEADERS": "Bad Name: v"}, []string{"CONFORMANCE_HEADERS (--headers)", "not a valid header name"}},
		{"spec", map[string]string{"CONFORMANCE_SPEC": "/nonexistent/doc.json"}, []string{"CONFORMANCE_SPEC (--spec)", "/nonexistent/doc.json"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := resolve(t, nil, c.env)
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestResolveLoadsAnotherSpec(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doc.json")
	if err := os.WriteFile(path, spec.Embedded(), 0o600); err != nil {
		t.Fatal(err)
	}
	target, err := resolve(t, []string{"--spec", path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if target.Spec.Source() != path {
		t.Errorf("spec source = %s", target.Spec.Source())
	}
	noOp := strings.Replace(string(spec.Embedded()), `"operationId":"refreshToken"`, `"operationId":"other"`, 1)
	if err := os.WriteFile(path, []byte(noOp), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := resolve(t, []string{"--spec", path}, nil); err == nil || !strings.Contains(err.Error(), `no operation "refreshToken"`) {
		t.Errorf("error = %v", err)
	}
}

func TestParseHeaders(t *testing.T) {
	h, err := conformance.ParseHeaders("X-Api-Key: a=b\nx-trace-id=7, Accept-Language: tr")
	if err != nil {
		t.Fatal(err)
	}
	want := http.Header{"X-Api-Key": {"a=b"}, "X-Trace-Id": {"7"}, "Accept-Language": {"tr"}}
	for k, v := range want {
		if h.Get(k) != v[0] {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v[0])
		}
	}
	if _, err := conformance.ParseHeaders("secret-value-without-name"); err == nil || strings.Contains(err.Error(), "secret-value-without-name") {
		t.Errorf("a malformed entry must be refused without quoting it whole: %v", err)
	}
}
