package conformance_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/conformance"
	"github.com/appmaker/refresh-conformance/mock"
)

// namedCheck runs one check of the suite against a harness, with a session of its own.
type namedCheck struct {
	name string
	run  func(ctx context.Context, h *harness) error
}

func allChecks() []namedCheck {
	checks := []namedCheck{
		{"refresh with a Bearer credential", func(ctx context.Context, h *harness) error {
			p := h.login()
			_, err := conformance.CheckRefresh(ctx, h.client, conformance.Bearer(p.AccessToken), p.RefreshToken)
			return err
		}},
		{"refresh with an x-access-token credential", func(ctx context.Context, h *harness) error {
			p := h.login()
			_, err := conformance.CheckRefresh(ctx, h.client, conformance.AccessTokenHeader(p.AccessToken), p.RefreshToken)
			return err
		}},
		{"rotation", func(ctx context.Context, h *harness) error {
			return conformance.CheckRotation(ctx, h.client, h.login())
		}},
		{"used token refused", func(ctx context.Context, h *harness) error {
			_, err := conformance.CheckUsedTokenRefused(ctx, h.client, h.login())
			return err
		}},
		{"reuse revokes the session", func(ctx context.Context, h *harness) error {
			_, err := conformance.CheckReuseRevokesSession(ctx, h.client, h.login())
			return err
		}},
		{"reuse 2 generations back", func(ctx context.Context, h *harness) error {
			return conformance.CheckOldGenerationReuse(ctx, h.client, h.login(), 2)
		}},
		{"reuse 3 generations back", func(ctx context.Context, h *harness) error {
			return conformance.CheckOldGenerationReuse(ctx, h.client, h.login(), 3)
		}},
		{"replay after a 2s grace window", func(ctx context.Context, h *harness) error {
			return conformance.CheckReplayAfterGrace(ctx, h.client, h.login(), 2*time.Second)
		}},
		{"race", func(ctx context.Context, h *harness) error {
			_, err := conformance.CheckRace(ctx, h.client, h.login(), conformance.DefaultRace)
			return err
		}},
		{"access token as the refreshToken", func(ctx context.Context, h *harness) error {
			return conformance.CheckAccessTokenAsRefreshRefused(ctx, h.client, h.login())
		}},
		{"refresh token as Authorization: Bearer", func(ctx context.Context, h *harness) error {
			_, err := conformance.CheckRefreshTokenAsCredentialRefused(ctx, h.client, h.login(), conformance.Bearer)
			return err
		}},
		{"refresh token as x-access-token", func(ctx context.Context, h *harness) error {
			_, err := conformance.CheckRefreshTokenAsCredentialRefused(ctx, h.client, h.login(), conformance.AccessTokenHeader)
			return err
		}},
		{"credentials required", func(ctx context.Context, h *harness) error {
			return conformance.CheckCredentialsRequired(ctx, h.client, h.login())
		}},
	}
	for _, ft := range conformance.ForeignTokens() {
		checks = append(checks, namedCheck{"foreign token: " + ft.Name, func(ctx context.Context, h *harness) error {
			p := h.login()
			return conformance.CheckForeignTokenRefused(ctx, h.client, conformance.Bearer(p.AccessToken), ft.Make(p.RefreshToken))
		}})
	}
	for _, fc := range conformance.ForgedCredentials() {
		checks = append(checks, namedCheck{"forged credential: " + fc.Name, func(ctx context.Context, h *harness) error {
			_, err := conformance.CheckForgedCredentialRefused(ctx, h.client, h.login(), fc)
			return err
		}})
	}
	for _, b := range conformance.InvalidBodies() {
		checks = append(checks, namedCheck{"invalid body: " + b.Name, func(ctx context.Context, h *harness) error {
			_, err := conformance.CheckInvalidBodyRefused(ctx, h.client, conformance.Bearer(h.login().AccessToken), "", b)
			return err
		}}, namedCheck{"invalid body without credentials: " + b.Name, func(ctx context.Context, h *harness) error {
			_, err := conformance.CheckInvalidBodyRefused(ctx, h.client, conformance.NoCredential, "", b)
			return err
		}})
	}
	for _, in := range conformance.HostileInputs() {
		checks = append(checks, namedCheck{"hostile input: " + in.Name, func(ctx context.Context, h *harness) error {
			return conformance.CheckHostileInputRefused(ctx, h.client, conformance.Bearer(h.login().AccessToken), in)
		}})
	}
	return checks
}

func check(t *testing.T, name string) namedCheck {
	t.Helper()
	for _, c := range allChecks() {
		if c.name == name {
			return c
		}
	}
	t.Fatalf("no check named %q", name)
	return namedCheck{}
}

func TestEveryCheckPassesOnTheMock(t *testing.T) {
	h := serveMock(t)
	for _, c := range allChecks() {
		t.Run(c.name, func(t *testing.T) {
			if err := c.run(t.Context(), h); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A server with a reuse grace window (Auth0 and Okta ship one) is correct: the mock with
// --reuse-grace 2s and a second implementation with one must pass every check.
func TestEveryCheckPassesOnServersWithAGraceWindow(t *testing.T) {
	for name, h := range map[string]*harness{
		"mock --reuse-grace 2s":     serveMock(t, mock.WithReuseGrace(2*time.Second)),
		"a server with 2s of grace": serveFake(t, graceful(2*time.Second)),
	} {
		for _, c := range allChecks() {
			t.Run(name+"/"+c.name, func(t *testing.T) {
				if err := c.run(t.Context(), h); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// An immediate replay inside a grace window passes, and says it was a grace replay.
func TestAGraceReplayIsReportedAsSuch(t *testing.T) {
	for name, c := range map[string]struct {
		h    *harness
		want string
	}{
		"no grace": {serveMock(t), conformance.OutcomeRefused},
		"grace 2s": {serveMock(t, mock.WithReuseGrace(2*time.Second)), conformance.OutcomeGraceReplay},
	} {
		outcome, err := conformance.CheckUsedTokenRefused(t.Context(), c.h.client, c.h.login())
		if err != nil || outcome != c.want {
			t.Errorf("%s: outcome %q, err %v; want %q", name, outcome, err, c.want)
		}
	}
}

// The grace window is waited out through the target's Sleep, never shorter than declared.
func TestTheReplayAfterTheGraceWindowWaitsItOut(t *testing.T) {
	h := serveFake(t, graceful(5*time.Second))
	if err := conformance.CheckReplayAfterGrace(t.Context(), h.client, h.login(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if len(h.slept) != 1 || h.slept[0] <= 5*time.Second {
		t.Errorf("slept %v, want one wait longer than the 5s window", h.slept)
	}
}

// A correct server that chose differently wherever the document lets it must pass.
func TestEveryCheckPassesOnAServerThatChoseDifferently(t *testing.T) {
	h := serveFake(t, newFakeServer())
	for _, c := range allChecks() {
		t.Run(c.name, func(t *testing.T) {
			if err := c.run(t.Context(), h); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func graceful(d time.Duration) *fakeServer {
	f := newFakeServer()
	f.grace = d
	return f
}

const ruleForged = "a credential no server issued is refused"

func TestChecksFailOnBrokenServers(t *testing.T) {
	pair := staticPair()
	unsigned := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + ".e30."
	cases := []struct {
		name    string
		handler http.Handler
		fake    func(*fakeServer)
		check   string
		want    []string
	}{
		{name: "200 instead of 201", handler: fixed(200, "application/json", pairJSON(pair)),
			check: "refresh with a Bearer credential", want: []string{"the status is declared", "paths./auth/refresh-token.post.responses", "200 OK"}},
		{name: "a missing field", handler: fixed(201, "application/json", `{"accessToken":"`+pair.AccessToken+`"}`),
			check: "refresh with a Bearer credential", want: []string{"the body is valid for its schema", "responses.201.content.application/json.schema", "refreshToken"}},
		{name: "a wrong type", handler: fixed(201, "application/json", `{"accessToken":"`+pair.AccessToken+`","refreshToken":12345}`),
			check: "refresh with a Bearer credential", want: []string{"the body is valid for its schema", "201"}},
		{name: "an empty array for 201", handler: fixed(201, "application/json", `[]`),
			check: "refresh with a Bearer credential", want: []string{"both tokens as non-empty strings", "components.responses.RefreshTokenResponse", "not a JSON object"}},
		{name: "an empty token", handler: fixed(201, "application/json", `{"accessToken":"`+pair.AccessToken+`","refreshToken":""}`),
			check: "refresh with a Bearer credential", want: []string{"refreshToken is empty"}},
		{name: "an unsigned access token", handler: fixed(201, "application/json", `{"accessToken":"`+unsigned+`","refreshToken":"rt-000000001"}`),
			check: "refresh with a Bearer credential", want: []string{"signed JWT", "bearerFormat", `alg "none"`}},
		{name: "an undeclared status", handler: fixed(403, "application/json", `{"apiError":["forbidden"]}`),
			check: "foreign token: a random string", want: []string{"the status is declared", "403 Forbidden", "201, 400, 401"}},
		{name: "a text/plain body", handler: fixed(201, "text/plain", "accessToken="+pair.AccessToken),
			check: "refresh with a Bearer credential", want: []string{"the content type is declared", "responses.201.content", "text/plain"}},
		{name: "a server error", handler: fixed(500, "application/json", `{"error":"boom"}`),
			check: "invalid body: malformed JSON", want: []string{"5xx", "500 Internal Server Error"}},
		{name: "a 401 body that breaks its schema", handler: fixed(401, "application/json", `{"apiError":"no"}`),
			check: "foreign token: a random string", want: []string{"the body is valid for its schema", "responses.401.content.application/json.schema"}},
		{name: "accepts any token", fake: func(f *fakeServer) { f.acceptAnyToken = true },
			check: "foreign token: a JWT with alg none", want: []string{"no server issued is refused", "201 Created"}},
		{name: "accepts any token, random", fake: func(f *fakeServer) { f.acceptAnyToken = true },
			check: "foreign token: a random string", want: []string{"no server issued is refused"}},
		{name: "accepts a token twice", fake: func(f *fakeServer) { f.acceptTwice = true },
			check: "used token refused", want: []string{"a replayed refresh token is refused", "RFC 9700 §4.14.2", "answered 201 with another pair"}},
		{name: "accepts a token twice, reuse", fake: func(f *fakeServer) { f.acceptTwice = true },
			check: "reuse revokes the session", want: []string{"RFC 6749 §10.4"}},
		{name: "keeps the session after reuse", fake: func(f *fakeServer) { f.keepSession = true },
			check: "reuse revokes the session", want: []string{"revokes the session, the newest token too", "201 Created"}},
		{name: "answers the same refresh token back", fake: func(f *fakeServer) { f.sameRefreshBack = true },
			check: "rotation", want: []string{"a new refresh token", "RFC 9700"}},
		{name: "needs no credentials", fake: func(f *fakeServer) { f.ignoreCreds = true },
			check: "credentials required", want: []string{"without credentials is refused", "security", "201 Created"}},
		{name: "a grace replay with a new pair", fake: func(f *fakeServer) { f.grace, f.graceNewPair = 2*time.Second, true },
			check: "used token refused", want: []string{"answered exactly the pair its first refresh answered", "RFC 6749 §10.4", "another pair"}},
		{name: "a grace replay with a new pair, reuse", fake: func(f *fakeServer) { f.grace, f.graceNewPair = 2*time.Second, true },
			check: "reuse revokes the session", want: []string{"another pair"}},
		{name: "a grace window that never closes", fake: func(f *fakeServer) { f.grace, f.graceForever = 2*time.Second, true },
			check: "replay after a 2s grace window", want: []string{"a replay after the grace window is reuse", "CONFORMANCE_REUSE_GRACE=2s", "201 Created"}},
		{name: "revokes only on the previous generation, 2 back", fake: func(f *fakeServer) { f.forgetOld = true },
			check: "reuse 2 generations back", want: []string{"2 generations old revokes the session", "201 Created"}},
		{name: "revokes only on the previous generation, 3 back", fake: func(f *fakeServer) { f.forgetOld = true },
			check: "reuse 3 generations back", want: []string{"3 generations old revokes the session"}},
		{name: "accepts an old generation", fake: func(f *fakeServer) { f.acceptTwice = true },
			check: "reuse 3 generations back", want: []string{"3 generations old is refused", "201 Created"}},
		{name: "checks, then rotates", fake: func(f *fakeServer) { f.racy(2) },
			check: "race", want: []string{"at most one successor pair", "another pair than an earlier racer"}},
		{name: "accepts any bearer", fake: func(f *fakeServer) { f.anyBearer = true },
			check: "forged credential: a JWT no server issued (HS256, random key) as Authorization: Bearer", want: []string{ruleForged, "201 Created"}},
		{name: "accepts any x-access-token", fake: func(f *fakeServer) { f.anyBearer = true },
			check: "forged credential: random garbage as x-access-token", want: []string{ruleForged}},
		{name: "accepts alg none", fake: func(f *fakeServer) { f.anyBearer = true },
			check: "forged credential: a JWT with alg none as x-access-token", want: []string{ruleForged}},
		{name: "accepts an expired forgery", fake: func(f *fakeServer) { f.anyBearer = true },
			check: "forged credential: an expired copy re-signed with another key as Authorization: Bearer", want: []string{ruleForged}},
		{name: "accepts the refresh token as the credential", fake: func(f *fakeServer) { f.refreshAsCredential = true },
			check: "refresh token as Authorization: Bearer", want: []string{"refresh token presented as the credential is refused"}},
		{name: "accepts the refresh token as x-access-token", fake: func(f *fakeServer) { f.refreshAsCredential = true },
			check: "refresh token as x-access-token", want: []string{"refresh token presented as the credential is refused"}},
		{name: "accepts the access token as the refreshToken", fake: func(f *fakeServer) { f.accessAsRefresh = true },
			check: "access token as the refreshToken", want: []string{"access token presented as the refreshToken is refused", "201 Created"}},
		{name: "answers 401 for an invalid body despite a valid credential", fake: func(f *fakeServer) { f.badBodyIs401 = true },
			check: "invalid body: refreshToken as null", want: []string{"refused with 400", "requestBody", "401 Unauthorized"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var h *harness
			if c.fake != nil {
				f := newFakeServer()
				c.fake(f)
				h = serveFake(t, f)
			} else {
				h = serve(t, c.handler, "/api/v1", 5*time.Second, staticPair)
			}
			mustFailWith(t, check(t, c.check).run(t.Context(), h), c.want...)
		})
	}
}

func TestAHangFailsAndNamesTheTimeout(t *testing.T) {
	release := make(chan struct{})
	hang := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release })
	h := serve(t, hang, "/api/v1", 300*time.Millisecond, staticPair)
	t.Cleanup(func() { close(release) }) // runs before the server's Close, which waits for handlers
	err := check(t, "refresh with a Bearer credential").run(t.Context(), h)
	mustFailWith(t, err, "answered within the timeout", "CONFORMANCE_TIMEOUT=300ms", "no complete answer within 300ms")
	if f := err.(*conformance.Failure); f.Exchange() == nil || f.Exchange().Response != nil {
		t.Error("the failure should carry the exchange, without a response")
	}
}

// A server that answers the headers and then stalls in the body is a hang too.
func TestAStalledBodyFailsAndNamesTheTimeout(t *testing.T) {
	release := make(chan struct{})
	stall := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		_, _ = w.Write([]byte(`{"accessToken":`))
		w.(http.Flusher).Flush()
		<-release
	})
	h := serve(t, stall, "/api/v1", 300*time.Millisecond, staticPair)
	t.Cleanup(func() { close(release) })
	mustFailWith(t, check(t, "refresh with a Bearer credential").run(t.Context(), h), "within the timeout", "300ms")
}

func TestInvalidBodyWithoutCredentialsSaysWhichAnswerCame(t *testing.T) {
	for name, h := range map[string]*harness{"mock (credentials first)": serveMock(t), "fake (body first)": serveFake(t, newFakeServer())} {
		t.Run(name, func(t *testing.T) {
			outcome, err := conformance.CheckInvalidBodyRefused(t.Context(), h.client, conformance.NoCredential, "", conformance.InvalidBodies()[1])
			if err != nil {
				t.Fatal(err)
			}
			want := map[bool]string{true: "answered 401", false: "answered 400"}[name[0] == 'm']
			if len(outcome) < len(want) || outcome[:len(want)] != want {
				t.Errorf("outcome = %q, want it to start with %q", outcome, want)
			}
		})
	}
}

func TestAnInvalidBodyMayAnswer401WhenTheCredentialIsInDoubt(t *testing.T) {
	f := newFakeServer()
	f.badBodyIs401 = true
	h := serveFake(t, f)
	cred := conformance.Bearer(h.login().AccessToken)
	outcome, err := conformance.CheckInvalidBodyRefused(t.Context(), h.client, cred, "the static pair was used up", conformance.InvalidBodies()[0])
	if err != nil || outcome != "answered 401 (the static pair was used up): the credential was judged, so the body check was not seen" {
		t.Errorf("outcome = %q, err = %v", outcome, err)
	}
	_, err = conformance.CheckInvalidBodyRefused(t.Context(), h.client, cred, "", conformance.InvalidBodies()[0])
	mustFailWith(t, err, "refused with 400")
}
