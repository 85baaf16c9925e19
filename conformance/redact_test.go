package conformance_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/appmaker/refresh-conformance/conformance"
	"github.com/appmaker/refresh-conformance/spec"
)

func TestRedactorReplacesEverySecretItKnows(t *testing.T) {
	r := conformance.NewRedactor()
	long := "abcdefgh-ijkl/mnop"
	if m := r.Add(long); m != "[token#1]" {
		t.Errorf("marker = %q", m)
	}
	if m := r.Add("abcdefgh"); m != "[token#2]" {
		t.Errorf("marker = %q", m)
	}
	if m := r.Add(long); m != "[token#1]" {
		t.Errorf("a secret added twice keeps its marker, got %q", m)
	}
	if r.Add("short") != "short" || r.Len() != 2 {
		t.Error("values too short to be tokens are not registered")
	}
	r.AddFromJSON([]byte(`{"data":{"access_token":"nested-token-1"},"tokens":["listed-token-2"],"name":"not-a-secret-value"}`))
	in := `long ` + long + ` prefix abcdefgh, escaped "abcdefgh-ijkl\/mnop", nested-token-1 listed-token-2 not-a-secret-value ` +
		`stranger eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl`
	want := `long [token#1] prefix [token#2], escaped "[token#1]", [token#3] [token#4] not-a-secret-value stranger [jwt]`
	if got := r.Redact(in); got != want {
		t.Errorf("Redact:\n got %s\nwant %s", got, want)
	}
	if leaks := r.Leaks(in); strings.Join(leaks, ",") != "[token#1],[token#2],[token#3],[token#4]" {
		t.Errorf("Leaks = %v", leaks)
	}
	if leaks := r.Leaks(want); len(leaks) != 0 {
		t.Errorf("Leaks of redacted text = %v", leaks)
	}
}

// The report of a whole run, failures included, is put through the redaction the suite
// uses; no token gathered independently of the redactor may remain in it.
func TestTheReportOfARunCarriesNoToken(t *testing.T) {
	for name, h := range map[string]*harness{
		"the mock":                       serveMock(t),
		"a server that accepts anything": serveFake(t, acceptsAnything()),
	} {
		t.Run(name, func(t *testing.T) {
			login := h.login
			var issued []string
			h.login = func() spec.TokenPair {
				p := login()
				issued = append(issued, p.AccessToken, p.RefreshToken)
				return p
			}
			type entry struct{ Name, Value string }
			var report struct {
				Failures []string
				Entries  []entry
			}
			failures := 0
			for _, c := range allChecks() {
				if err := c.run(t.Context(), h); err != nil {
					failures++
					report.Failures = append(report.Failures, h.client.Redactor().Redact(err.Error()))
				}
			}
			r := h.client.Redactor()
			for _, ex := range h.exchanges {
				report.Entries = append(report.Entries, entry{ex.Summary(r), ex.Format(r) + ex.Curl(r)})
				var pair spec.TokenPair
				if json.Unmarshal(ex.Body, &pair) == nil {
					issued = append(issued, pair.AccessToken, pair.RefreshToken)
				}
			}
			text, err := json.MarshalIndent(report, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if len(issued) < 10 || len(h.exchanges) < 30 || (name != "the mock") != (failures > 0) {
				t.Fatalf("the run is too small to tell: %d tokens, %d exchanges, %d failures", len(issued), len(h.exchanges), failures)
			}
			for _, tok := range issued {
				if tok != "" && strings.Contains(string(text), tok) {
					t.Fatalf("a token issued in the run appears in its report")
				}
			}
			if !strings.Contains(string(text), "[token#") || !strings.Contains(string(text), "reproduce: curl") {
				t.Error("the report should show markers and curl lines")
			}
		})
	}
}

func acceptsAnything() *fakeServer {
	f := newFakeServer()
	f.acceptAnyToken, f.acceptTwice, f.ignoreCreds = true, true, true
	return f
}
