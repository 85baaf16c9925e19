package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/internal/redistest"
)

// A fleet is two appmaker-mock processes on one redis-server, sharing its sessions and
// its control plane's state: the tests below speak to them over HTTP only.
type fleet struct {
	t     *testing.T
	bin   string
	redis *redistest.Server
	args  []string
	a, b  *mockProcess
}

const fleetKey = "fleet-test-signing-key"

func startFleet(t *testing.T, bin string, extra ...string) *fleet {
	t.Helper()
	srv := redistest.Start(t)
	f := &fleet{t: t, bin: bin, redis: srv,
		args: append([]string{"--store", srv.URL(0), "--signing-key", fleetKey, "--log", "off"}, extra...)}
	f.a, f.b = f.start(), f.start()
	return f
}

func (f *fleet) start() *mockProcess { f.t.Helper(); return startMock(f.t, f.bin, f.args...) }

// answer is one HTTP exchange with a replica.
type answer struct {
	status int
	code   string // X-Mock-Error
	body   []byte
}

func call(t *testing.T, method, url string, body any, header ...string) answer {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, code: resp.Header.Get("X-Mock-Error"), body: b}
}

type pair struct {
	SessionID    string `json:"sessionId"`
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
}

func newSession(t *testing.T, p *mockProcess) pair {
	t.Helper()
	a := call(t, http.MethodPost, p.base+"/__mock/sessions", nil)
	var s pair
	if a.status != http.StatusCreated || json.Unmarshal(a.body, &s) != nil {
		t.Fatalf("POST /__mock/sessions: %d %s", a.status, a.body)
	}
	return s
}

func refresh(t *testing.T, p *mockProcess, s pair) (answer, pair) {
	t.Helper()
	a := call(t, http.MethodPost, p.base+"/api/v1/auth/refresh-token", map[string]string{"refreshToken": s.RefreshToken},
		"Authorization", "Bearer "+s.AccessToken)
	var next pair
	if a.status == http.StatusCreated {
		if err := json.Unmarshal(a.body, &next); err != nil {
			t.Fatalf("201 with a body that is not a pair: %s", a.body)
		}
		next.SessionID = s.SessionID
	}
	return a, next
}

func wantAnswer(t *testing.T, what string, a answer, status int, code string) {
	t.Helper()
	if a.status != status || a.code != code {
		t.Fatalf("%s: %d %q %s; want %d %q", what, a.status, a.code, a.body, status, code)
	}
}

func TestFleet(t *testing.T) {
	bin := buildMock(t)

	// RFC 6749 §10.4: a rotated refresh token presented again, on any replica, is reuse.
	t.Run("a token rotated on one replica is reuse on the other and revokes the session on both", func(t *testing.T) {
		f := startFleet(t, bin)
		s := newSession(t, f.a)
		a, next := refresh(t, f.a, s)
		wantAnswer(t, "refresh on replica a", a, http.StatusCreated, "")
		a, _ = refresh(t, f.b, s)
		wantAnswer(t, "the rotated token on replica b", a, http.StatusUnauthorized, "refresh_token_reused")
		a, _ = refresh(t, f.a, next)
		wantAnswer(t, "the newest token on replica a after the reuse", a, http.StatusUnauthorized, "session_revoked")
		a, _ = refresh(t, f.b, next)
		wantAnswer(t, "the newest token on replica b after the reuse", a, http.StatusUnauthorized, "session_revoked")
	})

	t.Run("a session revoked through one replica's control plane is revoked on the other", func(t *testing.T) {
		f := startFleet(t, bin)
		s := newSession(t, f.a)
		a := call(t, http.MethodDelete, f.b.base+"/__mock/sessions/"+s.SessionID, nil)
		wantAnswer(t, "DELETE /__mock/sessions/{id} on b", a, http.StatusOK, "")
		a, _ = refresh(t, f.a, s)
		wantAnswer(t, "refresh on a after b revoked the session", a, http.StatusUnauthorized, "session_revoked")
	})

	race := func(t *testing.T, f *fleet) []answer {
		s := newSession(t, f.a)
		answers := make([]answer, 64)
		var start, done sync.WaitGroup
		start.Add(1)
		for i := range answers {
			p := map[bool]*mockProcess{true: f.a, false: f.b}[i%2 == 0]
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				answers[i], _ = refresh(t, p, s)
			}()
		}
		start.Done()
		done.Wait()
		return answers
	}
	t.Run("64 racers on one token over both replicas: exactly one winner", func(t *testing.T) {
		counts := map[string]int{}
		for _, a := range race(t, startFleet(t, bin)) {
			counts[fmt.Sprintf("%d %s", a.status, a.code)]++
		}
		if counts["201 "] != 1 || counts["401 refresh_token_reused"] < 1 ||
			counts["401 refresh_token_reused"]+counts["401 session_revoked"] != 63 {
			t.Fatalf("answers %v: want one 201, the rest reuse or revoked", counts)
		}
	})
	t.Run("64 racers with a grace window: every one gets the same pair", func(t *testing.T) {
		bodies := map[string]int{}
		for _, a := range race(t, startFleet(t, bin, "--reuse-grace", "1h")) {
			wantAnswer(t, "a racer inside the grace window", a, http.StatusCreated, "")
			bodies[string(a.body)]++
		}
		if len(bodies) != 1 {
			t.Fatalf("%d different pairs answered: every replica must answer the one successor", len(bodies))
		}
	})

	t.Run("the clock and a fault rule set on one replica hold on the other", func(t *testing.T) {
		f := startFleet(t, bin)
		s := newSession(t, f.a)
		// A fault rule set on a, consumed once, on b; then gone for both.
		a := call(t, http.MethodPost, f.a.base+"/__mock/faults",
			map[string]any{"operation": "refreshToken", "status": 401, "code": "refresh_token_expired", "count": 1})
		wantAnswer(t, "POST /__mock/faults", a, http.StatusCreated, "")
		a, _ = refresh(t, f.b, s)
		wantAnswer(t, "refresh on b under a's fault rule", a, http.StatusUnauthorized, "refresh_token_expired")
		a, s = refresh(t, f.a, s)
		wantAnswer(t, "refresh on a once b consumed the rule", a, http.StatusCreated, "")
		a = call(t, http.MethodGet, f.a.base+"/__mock/faults", nil)
		if !strings.Contains(string(a.body), `"remaining":0`) || !strings.Contains(string(a.body), `"applied":1`) {
			t.Fatalf("GET /__mock/faults on a after b applied the rule: %s; want it applied once, none remaining", a.body)
		}
		a = call(t, http.MethodDelete, f.b.base+"/__mock/faults", nil)
		wantAnswer(t, "DELETE /__mock/faults on b", a, http.StatusOK, "")
		if a = call(t, http.MethodGet, f.a.base+"/__mock/faults", nil); string(a.body) != `{"faults":[]}` {
			t.Fatalf("GET /__mock/faults on a after b cleared them: %s", a.body)
		}
		// A rule limited to one session, set on a, shapes that session's refresh on b only.
		other := newSession(t, f.b)
		a = call(t, http.MethodPost, f.a.base+"/__mock/faults",
			map[string]any{"operation": "refreshToken", "status": 401, "code": "session_revoked", "sessionId": other.SessionID})
		wantAnswer(t, "POST /__mock/faults for one session", a, http.StatusCreated, "")
		a, s = refresh(t, f.b, s)
		wantAnswer(t, "refresh on b of a session the rule does not name", a, http.StatusCreated, "")
		a, _ = refresh(t, f.b, other)
		wantAnswer(t, "refresh on b of the session the rule names", a, http.StatusUnauthorized, "session_revoked")
		call(t, http.MethodDelete, f.a.base+"/__mock/faults", nil)
		// Eight days later by a's clock, b finds the refresh token (seven days) expired.
		a = call(t, http.MethodPost, f.a.base+"/__mock/clock", map[string]string{"advance": "192h"})
		wantAnswer(t, "POST /__mock/clock", a, http.StatusOK, "")
		a = call(t, http.MethodGet, f.b.base+"/__mock/clock", nil)
		if !strings.Contains(string(a.body), `"offset":"192h0m0s"`) {
			t.Fatalf("GET /__mock/clock on b after a advanced it: %s", a.body)
		}
		a, _ = refresh(t, f.b, s)
		wantAnswer(t, "refresh on b after a moved the clock past the token's exp", a, http.StatusUnauthorized, "refresh_token_expired")
	})

	t.Run("a replica killed with SIGKILL and restarted keeps every session", func(t *testing.T) {
		f := startFleet(t, bin)
		sessions := []pair{newSession(t, f.a), newSession(t, f.b)}
		if err := f.a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		f.a.wait(t)
		f.a = f.start()
		for i, s := range sessions {
			a, _ := refresh(t, f.a, s)
			wantAnswer(t, fmt.Sprintf("session %d on the restarted replica", i+1), a, http.StatusCreated, "")
		}
	})

	t.Run("Redis stopped: 503 store_unavailable and healthz 503; Redis back: the fleet recovers", func(t *testing.T) {
		f := startFleet(t, bin)
		s := newSession(t, f.a)
		f.redis.Stop(t)
		for _, p := range []*mockProcess{f.a, f.b} {
			a, _ := refresh(t, p, s)
			wantAnswer(t, "refresh while Redis is down", a, http.StatusServiceUnavailable, "store_unavailable")
			var body map[string]any
			if json.Unmarshal(a.body, &body) != nil {
				t.Fatalf("503 body is not JSON: %s", a.body)
			}
			if a := call(t, http.MethodGet, p.base+"/healthz", nil); a.status != http.StatusServiceUnavailable {
				t.Fatalf("GET /healthz while Redis is down: %d %s", a.status, a.body)
			}
		}
		f.redis.Restart(t)
		for _, p := range []*mockProcess{f.a, f.b} {
			deadline := time.Now().Add(patience)
			for a := call(t, http.MethodGet, p.base+"/healthz", nil); a.status != http.StatusOK; a = call(t, http.MethodGet, p.base+"/healthz", nil) {
				if time.Now().After(deadline) {
					t.Fatalf("GET /healthz still %d %s %v after Redis came back", a.status, a.body, patience)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		// The refresh answered 503 rotated nothing: the token still works.
		a, _ := refresh(t, f.b, s)
		wantAnswer(t, "refresh after Redis came back", a, http.StatusCreated, "")
	})
}

// A Redis store refuses to start without a shared signing key, and with a Redis that does
// not answer, each time in one line that names the address and never the password.
func TestARedisStoreRefusesToStartWithoutAKeyOrARedis(t *testing.T) {
	srv := redistest.Start(t)
	srv.Stop(t) // a loopback port nothing listens on any more
	url := "redis://user:s3cret-pw@" + srv.Addr + "/0"
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"no signing key":    {[]string{"--store", url}, "--signing-key"},
		"Redis not there":   {[]string{"--store", url, "--signing-key", "k"}, srv.Addr},
		"not a Redis URL":   {[]string{"--store", "mysql://user:s3cret-pw@host/0", "--signing-key", "k"}, "not a Redis URL"},
		"malformed address": {[]string{"--store", "redis://user:s3cret-pw@host:port/0", "--signing-key", "k"}, "not a Redis URL"},
	} {
		t.Run(name, func(t *testing.T) {
			err := run(t.Context(), append([]string{"--addr", "127.0.0.1:0"}, c.args...), io.Discard, io.Discard)
			if err == nil {
				t.Fatal("started")
			}
			if msg := err.Error(); !strings.Contains(msg, c.want) || strings.Contains(msg, "s3cret-pw") || strings.Contains(msg, "\n") {
				t.Fatalf("error %q: want one line naming %q, without the password", msg, c.want)
			}
		})
	}
}
