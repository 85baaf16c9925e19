package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/mock/session"
)

var aliceAndBob = []mock.Fixture{
	{Name: "alice", Sub: "user-alice", Org: "org-acme", RefreshToken: "fixture-refresh-alice", AccessToken: "fixture-access-alice"},
	{Sub: "user-bob", Org: "org-acme", RefreshToken: "fixture-refresh-bob"},
}

func TestParseFixturesReadsJSONAndYAML(t *testing.T) {
	yaml := "sessions:\n  - name: alice\n    sub: user-alice\n    org: org-acme\n    refreshToken: fixture-refresh-alice\n    accessToken: fixture-access-alice\n  - sub: user-bob\n    org: org-acme\n    refreshToken: fixture-refresh-bob\n"
	json := "{\n\t\"sessions\": [\n\t\t{\"name\": \"alice\", \"sub\": \"user-alice\", \"org\": \"org-acme\", \"refreshToken\": \"fixture-refresh-alice\", \"accessToken\": \"fixture-access-alice\"},\n\t\t{\"sub\": \"user-bob\", \"org\": \"org-acme\", \"refreshToken\": \"fixture-refresh-bob\"}\n\t]\n}\n"
	for name, raw := range map[string]string{"yaml": yaml, "json with tabs": json} {
		got, err := mock.ParseFixtures(name, []byte(raw))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != 2 || got[0] != aliceAndBob[0] || got[1] != aliceAndBob[1] {
			t.Errorf("%s: %+v", name, got)
		}
	}
	if got, err := mock.LoadFixtures("../docs/fixtures.example.yaml"); err != nil || len(got) != 3 {
		t.Errorf("docs/fixtures.example.yaml: %d fixtures, %v", len(got), err)
	}
}

func TestParseFixturesRefusesMistakesWithoutQuotingTokens(t *testing.T) {
	const secret = "s3cret-token"
	cases := map[string]string{
		"sessions:\n  - sub: a\n    org: b\n    refreshToken: " + secret + "\n    colour: red\n": "colour",
		"sessions:\n  - sub: a\n    refreshToken: " + secret + "\n":                              "sub and org are required",
		"sessions:\n  - sub: a\n    org: b\n":                                                    "refreshToken is required",
		"sessions:\n  - sub: a\n    org: b\n    refreshToken: " + secret + "\n  - sub: c\n    org: d\n    accessToken: " + secret + "\n    refreshToken: x\n": "also used by session 1",
		"sessions:\n  - name: a b\n    sub: a\n    org: b\n    refreshToken: " + secret + "\n":                                                                "name must be",
		"sessions:\n  - name: a\n    sub: a\n    org: b\n    refreshToken: x\n  - name: a\n    sub: a\n    org: b\n    refreshToken: y\n":                     "name is also session 1's",
		`{"sessions":[{"sub":"a","org":"b","refreshToken":"has space` + secret + `"}]}`:                                                                       "without spaces",
		"sessions: [": "yaml",
		`{"sessions":[{"sub":"a","org":"b","refreshToken":"` + secret + `","extra":1}]}`: "extra",
	}
	for raw, want := range cases {
		_, err := mock.ParseFixtures("f.yaml", []byte(raw))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "f.yaml") {
			t.Errorf("%q: error %v, want it to name f.yaml and say %q", raw, err, want)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%q: the error quotes a token: %v", raw, err)
		}
	}
}

// A fixture's first refresh token is any string; it rotates into the mock's JWTs, and
// presenting it again is a reuse like any other.
func TestFixtureSessionsRefreshFromTheirFixedTokens(t *testing.T) {
	h := newHarness(t, mock.WithFixtures(aliceAndBob))
	a := h.refresh("fixture-access-alice", "fixture-refresh-alice")
	wantStatus(t, a, 201, "")
	p := a.pair(t)
	c := claims(t, p.AccessToken)
	if c["sub"] != "user-alice" || c["org"] != "org-acme" || claims(t, p.RefreshToken)["gen"] != float64(2) {
		t.Errorf("claims after the fixture's first refresh: %v", c)
	}
	wantStatus(t, h.refresh(p.AccessToken, p.RefreshToken), 201, "")
	wantStatus(t, h.refresh("fixture-access-alice", "fixture-refresh-alice"), 401, mock.CodeRefreshTokenReused)

	v := decode[mock.SessionView](t, h.call(http.MethodGet, "/__mock/sessions/alice", ""))
	if v.Fixture != "alice" || v.State != mock.StateRevoked || v.Reason != session.RevokedReuse || v.Sub != "user-alice" {
		t.Errorf("GET /__mock/sessions/alice = %+v", v)
	}
	// Bob has no fixed access token: any access token the mock signed will do.
	s := h.session()
	wantStatus(t, h.refresh(s.AccessToken, "fixture-refresh-bob"), 201, "")
	wantStatus(t, h.refresh("fixture-access-bob", "fixture-refresh-bob"), 401, mock.CodeInvalidCredentials)
}

// Reset brings the fixtures back as they were, with the same session ids.
func TestResetReloadsFixtures(t *testing.T) {
	h := newHarness(t, mock.WithFixtures(aliceAndBob))
	before := decode[mock.SessionView](t, h.call(http.MethodGet, "/__mock/sessions/alice", ""))
	h.refresh("fixture-access-alice", "fixture-refresh-alice").pair(t)
	h.call(http.MethodDelete, "/__mock/sessions/alice", "")
	h.session()
	a := h.call(http.MethodPost, "/__mock/reset", "")
	if string(a.body) != `{"fixtures":2}` {
		t.Fatalf("reset = %s", a.body)
	}
	list := decode[struct {
		Total    int                `json:"total"`
		Sessions []mock.SessionView `json:"sessions"`
	}](t, h.call(http.MethodGet, "/__mock/sessions", ""))
	if list.Total != 2 {
		t.Fatalf("%d sessions after reset, want the 2 fixtures", list.Total)
	}
	after := decode[mock.SessionView](t, h.call(http.MethodGet, "/__mock/sessions/alice", ""))
	if after.SessionID != before.SessionID || after.State != mock.StateActive || after.Generation != 1 {
		t.Errorf("alice after reset = %+v", after)
	}
	wantStatus(t, h.refresh("fixture-access-alice", "fixture-refresh-alice"), 201, "")
}

func TestFixtureTokensExpireByTheClock(t *testing.T) {
	h := newHarness(t, mock.WithFixtures(aliceAndBob))
	h.clock.Advance(mock.DefaultRefreshTTL)
	wantStatus(t, h.refresh("fixture-access-alice", "fixture-refresh-alice"), 401, mock.CodeRefreshTokenExpired)
	if n, _ := h.srv.SweepExpired(t.Context()); n != 2 {
		t.Fatalf("swept %d", n)
	}
	wantStatus(t, h.refresh("fixture-access-alice", "fixture-refresh-alice"), 401, mock.CodeRefreshTokenExpired)
}

// A fixture's access token works on protected operations until its expiry.
func TestFixtureAccessTokenOnOtherOperations(t *testing.T) {
	h := extraHarness(t, mock.WithFixtures(aliceAndBob))
	me := func() answer {
		return h.call(http.MethodGet, "/api/v1/me", "", "x-access-token", "fixture-access-alice")
	}
	wantStatus(t, me(), 200, "")
	if e := h.events("?limit=1").Events[0]; e.SessionID == "" {
		t.Error("the event does not name alice's session")
	}
	h.clock.Advance(mock.DefaultAccessTTL)
	wantStatus(t, me(), 401, mock.CodeAccessTokenExpired)
}
