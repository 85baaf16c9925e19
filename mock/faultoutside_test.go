package mock_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/spec"
)

// rawRefresh sends a refresh without the harness's checks: the answers here are outside
// the document on purpose.
func (h *harness) rawRefresh(s mock.SessionTokens) (*http.Response, []byte) {
	h.t.Helper()
	body, _ := json.Marshal(spec.RefreshTokenRequest{RefreshToken: s.RefreshToken})
	resp, err := http.DefaultClient.Do(h.request("application/json", string(body), "Authorization", "Bearer "+s.AccessToken))
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// A gateway's answers, on request only: the operation does not run, nothing rotates.
func TestFaultOutsideDocumentStatuses(t *testing.T) {
	cases := []struct {
		rule, code, retryAfter string
		status                 int
	}{
		{`{"status":429,"outsideDocument":true}`, "rate_limited", "1", 429},
		{`{"status":429,"outsideDocument":true,"retryAfter":"1500ms","code":"slow_down"}`, "slow_down", "2", 429},
		{`{"status":500,"outsideDocument":true}`, mock.CodeInternal, "", 500},
		{`{"status":503,"outsideDocument":true,"retryAfter":"1m"}`, "service_unavailable", "60", 503},
		{`{"operation":"refreshToken","status":503,"outsideDocument":true,"latency":"1ms"}`, "service_unavailable", "", 503},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			h := newHarness(t)
			s := h.session()
			rule := h.addFault(c.rule)
			if !rule.OutsideDocument || rule.Status != c.status {
				t.Fatalf("rule = %+v", rule)
			}
			resp, body := h.rawRefresh(s)
			if resp.StatusCode != c.status || resp.Header.Get(mock.HeaderError) != c.code || resp.Header.Get("Retry-After") != c.retryAfter {
				t.Fatalf("got %d %s Retry-After=%q, want %d %s %q", resp.StatusCode, resp.Header.Get(mock.HeaderError), resp.Header.Get("Retry-After"), c.status, c.code, c.retryAfter)
			}
			var e spec.UnauthorizedError
			if err := json.Unmarshal(body, &e); err != nil || len(e.APIError) != 1 || !strings.Contains(e.APIError[0], "outside the document") {
				t.Errorf("body %s", body)
			}
			if h.storedSession(s.SessionID).Generation != 1 {
				t.Error("the session rotated behind a gateway error")
			}
			wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 201, "")
		})
	}
}

// "Never arrived": the connection closes before the operation runs, so the client's token
// is still good; compare lostResponse, after which it is reuse.
func TestFaultLostRequestDoesNotRotate(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	h.addFault(`{"operation":"refreshToken","lostRequest":true,"outsideDocument":true}`)
	stream := h.follow("")
	body, _ := json.Marshal(spec.RefreshTokenRequest{RefreshToken: s.RefreshToken})
	if err := h.lose(h.request("application/json", string(body), "Authorization", "Bearer "+s.AccessToken)); err == nil {
		t.Fatal("the request was answered")
	}
	if h.storedSession(s.SessionID).Generation != 1 {
		t.Fatal("a request that never arrived rotated the session")
	}
	if ev := stream.next(t); ev.Status != 0 || !strings.Contains(ev.Fault, "lost request") {
		t.Errorf("event = %+v", ev)
	}
	wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 201, "")
}

func TestFaultOutsideDocumentOnlyOnRequest(t *testing.T) {
	h := newHarness(t)
	cases := map[string]string{
		`{"status":429}`: `add "outsideDocument": true`,
		`{"status":503,"operation":"refreshToken"}`:                 `add "outsideDocument": true`,
		`{"status":418,"outsideDocument":true}`:                     "adds only 429, 500 and 503",
		`{"lostRequest":true}`:                                      `"outsideDocument": true`,
		`{"lostRequest":true,"status":429,"outsideDocument":true}`:  "excludes",
		`{"lostRequest":true,"lostResponse":true}`:                  "excludes",
		`{"status":500,"retryAfter":"1s","outsideDocument":true}`:   "retryAfter",
		`{"status":401,"retryAfter":"1s"}`:                          "retryAfter",
		`{"status":429,"retryAfter":"2d","outsideDocument":true}`:   "up to",
		`{"status":429,"retryAfter":"-1s","outsideDocument":true}`:  "positive",
		`{"status":429,"code":"Not A Code","outsideDocument":true}`: "machine code",
	}
	for body, want := range cases {
		a := h.call(http.MethodPost, "/__mock/faults", body)
		msg := decode[struct {
			Error string `json:"error"`
		}](t, a).Error
		if a.status != http.StatusBadRequest || !strings.Contains(msg, want) {
			t.Errorf("%s: got %d %s, want 400 mentioning %q", body, a.status, msg, want)
		}
	}
	if len(h.faults()) != 0 {
		t.Errorf("a refused rule was kept: %+v", h.faults())
	}
}
