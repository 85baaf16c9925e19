//go:build unix

package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/appmaker/refresh-conformance/internal/forged"
	"github.com/appmaker/refresh-conformance/internal/redact"
	"github.com/appmaker/refresh-conformance/mock"
)

// secretsRun drives the binary and remembers every token it saw or sent.
type secretsRun struct {
	t          *testing.T
	base       string
	adminToken string
	tokens     map[string]bool
	calls      int
}

// call sends a request and returns the answer; every token in it is remembered.
func (r *secretsRun) call(method, path, contentType, body string, header ...string) (int, []byte) {
	r.t.Helper()
	req, err := http.NewRequest(method, r.base+path, strings.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if strings.HasPrefix(path, "/__mock/") {
		req.Header.Set("Authorization", "Bearer "+r.adminToken)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	r.calls++
	for _, tok := range redact.FindJWTs(string(got)) {
		r.tokens[tok] = true
	}
	if resp.StatusCode >= 500 {
		r.t.Errorf("%s %s answered %d: %s", method, path, resp.StatusCode, got)
	}
	return resp.StatusCode, got
}

func (r *secretsRun) sent(tokens ...string) {
	for _, tok := range tokens {
		r.tokens[tok] = true
	}
}

func (r *secretsRun) session(body string) mock.SessionTokens {
	r.t.Helper()
	status, got := r.call(http.MethodPost, "/__mock/sessions", "application/json", body)
	var s mock.SessionTokens
	if err := json.Unmarshal(got, &s); status != http.StatusCreated || err != nil {
		r.t.Fatalf("POST /__mock/sessions = %d %s", status, got)
	}
	return s
}

func (r *secretsRun) refresh(access, refresh string, want int) mock.SessionTokens {
	r.t.Helper()
	status, got := r.call(http.MethodPost, "/api/v1/auth/refresh-token", "application/json", `{"refreshToken":"`+refresh+`"}`, "Authorization", "Bearer "+access)
	if status != want {
		r.t.Fatalf("refresh = %d %s, want %d", status, got, want)
	}
	var p mock.SessionTokens
	_ = json.Unmarshal(got, &p)
	return p
}

// flow is a full session life with the mistakes and attacks a client may send, each
// carrying a token somewhere a careless log would copy it from.
func (r *secretsRun) flow(signingKey []byte) (events []byte) {
	alice := r.session(`{"sub":"alice","org":"acme"}`)
	first := r.refresh(alice.AccessToken, alice.RefreshToken, http.StatusCreated)
	second := r.refresh(first.AccessToken, first.RefreshToken, http.StatusCreated)
	r.refresh(first.AccessToken, alice.RefreshToken, http.StatusUnauthorized) // reuse revokes
	r.refresh(second.AccessToken, second.RefreshToken, http.StatusUnauthorized)

	bob := r.session("")
	access, refresh := bob.AccessToken, bob.RefreshToken
	r.call(http.MethodGet, "/__mock/sessions", "", "")
	r.call(http.MethodGet, "/__mock/sessions/"+bob.SessionID, "", "")
	r.call(http.MethodGet, "/__mock/sessions/"+refresh, "", "")
	const refreshPath = "/api/v1/auth/refresh-token"
	bearer := []string{"Authorization", "Bearer " + access}
	for _, bad := range []struct{ contentType, body string }{
		{"application/json", `{"refreshToken":` + refresh + `}`},
		{"application/json", `{"refreshToken":"` + refresh + `"`},
		{"application/json", `["` + refresh + `"]`},
		{"application/json", `{"refreshToken":1,"spare":"` + refresh + `"}`},
		{"application/json", `{"refreshToken":"` + access + `"}`},
		{"text/plain", refresh},
		{"application/x-www-form-urlencoded", "refreshToken=" + refresh},
	} {
		r.call(http.MethodPost, refreshPath, bad.contentType, bad.body, bearer...)
	}
	body := `{"refreshToken":"` + refresh + `"}`
	for _, header := range [][]string{
		{"Authorization", "Bearer " + refresh},
		{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("u:"+access))},
		{"Authorization", "Bearer garbage", "x-access-token", refresh},
		{"Authorization", "Bearer " + access, "Prefer", "code=" + refresh},
		{"Authorization", "Bearer " + access + access},
	} {
		r.call(http.MethodPost, refreshPath, "application/json", body, header...)
	}
	r.call(http.MethodPost, refreshPath+"?refreshToken="+refresh+"&access_token="+access, "application/json", `{}`, bearer...)
	r.call(http.MethodPost, refreshPath+"/"+refresh, "application/json", body, bearer...)
	r.call(http.MethodPost, "/"+access, "application/json", body, bearer...)
	r.call(refresh, refreshPath, "application/json", body, bearer...)
	r.call(http.MethodTrace, refreshPath, "", "", bearer...)
	r.call(http.MethodPost, "/__mock/sessions", "application/json", `{"sub":"`+refresh+`"}`, "Authorization", "Bearer "+refresh)

	// Tokens this mock did not sign the way it signs: refused, and not logged either.
	variants, err := forged.Variants(refresh, signingKey)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, v := range variants {
		forged := v.Token
		r.sent(forged)
		r.call(http.MethodPost, refreshPath, "application/json", `{"refreshToken":"`+forged+`"}`, bearer...)
	}

	carol := r.session("")
	r.call(http.MethodPost, "/__mock/clock", "application/json", `{"advance":"8d"}`)
	r.refresh(carol.AccessToken, carol.RefreshToken, http.StatusUnauthorized)
	r.call(http.MethodDelete, "/__mock/sessions/"+bob.SessionID, "", "")
	r.refresh(access, refresh, http.StatusUnauthorized)
	// The control plane's event list is a log too: read it before the reset empties it.
	_, events = r.call(http.MethodGet, "/__mock/events?limit=1000", "", "")
	r.call(http.MethodPost, "/__mock/reset", "", "")
	return events
}

// Tokens never reach the log, nor do the signing key and the admin token: a full session
// flow runs against the binary with its request log on, and the whole log (and stdout)
// is searched for every token seen or sent, each of its three parts, and both secrets.
func TestTheLogHoldsNoTokenAndNoSecret(t *testing.T) {
	bin := buildMock(t)
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			key, admin := randomText(t), randomText(t)
			// The key comes from the environment in one run and from a flag in the other.
			args := []string{"--log", format, "--admin-token", admin}
			if format == "json" {
				t.Setenv("APPMAKER_MOCK_SIGNING_KEY", key)
			} else {
				args = append(args, "--signing-key", key)
			}
			p := startMock(t, bin, args...)
			run := &secretsRun{t: t, base: p.base, adminToken: admin, tokens: map[string]bool{}}
			events := run.flow([]byte(key))
			if n := strings.Count(string(events), `"id":`); n < 20 {
				t.Fatalf("GET /__mock/events listed %d events: is it on?", n)
			}
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if err := p.wait(t); err != nil {
				t.Fatalf("exit: %v", err)
			}

			log := p.stderr.String() + p.stdout.String()
			if got := len(requestLine.FindAllString(log, -1)); got < run.calls {
				t.Fatalf("the log has %d request lines for %d requests: is it on?", got, run.calls)
			}
			if len(run.tokens) < 10 {
				t.Fatalf("only %d tokens seen: the flow did not run", len(run.tokens))
			}
			secrets := [][2]string{{"the signing key", key}, {"the admin token", admin},
				{"the signing key in base64", base64.StdEncoding.EncodeToString([]byte(key))}}
			for tok := range run.tokens {
				secrets = append(secrets, [2]string{"a token", tok})
				for i, part := range strings.Split(tok, ".") {
					// An unsigned token has no third part; a forgery's appended fourth part
					// ("x") is no secret and would match anywhere.
					if len(part) >= 8 {
						secrets = append(secrets, [2]string{fmt.Sprintf("part %d of a token", i+1), part})
					}
				}
			}
			for _, s := range secrets {
				if strings.Contains(log, s[1]) {
					t.Errorf("%s is in the log: %s", s[0], s[1])
				}
				if strings.Contains(string(events), s[1]) {
					t.Errorf("%s is in GET /__mock/events: %s", s[0], s[1])
				}
			}
		})
	}
}

// requestLine matches the one line the mock logs per request, in JSON or text.
var requestLine = regexp.MustCompile(`"msg":"request"|msg=request`)

func randomText(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "secret-" + hex.EncodeToString(b)
}
