package mock_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock"
)

// extraHarness serves testdata/extra.openapi.yaml: the refresh plus operations the
// embedded document does not have. The harness validates every answer against it.
func extraHarness(t *testing.T, opts ...mock.Option) *harness {
	t.Helper()
	doc, err := extraDoc()
	if err != nil {
		t.Fatal(err)
	}
	return newHarnessFor(t, doc, opts...)
}

// calls of each extra operation that the document accepts.
var extraCalls = []struct{ method, path, body string }{
	{http.MethodGet, "/api/v1/me", ""},
	{http.MethodGet, "/api/v1/projects?limit=5", ""},
	{http.MethodPost, "/api/v1/projects", `{"name":"Shop","status":"live"}`},
	{http.MethodGet, "/api/v1/projects/3", ""},
	{http.MethodDelete, "/api/v1/projects/3", ""},
	{http.MethodGet, "/api/v1/status", ""},
}

func TestEveryOperationOfASecondDocumentIsServed(t *testing.T) {
	h := extraHarness(t)
	s := h.session()
	want := map[string]int{"/api/v1/me": 200, "/api/v1/projects?limit=5": 200, "/api/v1/projects": 201, "/api/v1/projects/3": 200, "/api/v1/status": 200}
	for _, c := range extraCalls {
		a := h.call(c.method, c.path, c.body, "Authorization", "Bearer "+s.AccessToken)
		status := want[c.path]
		if c.method == http.MethodDelete {
			status = http.StatusNoContent
		}
		if a.status != status {
			t.Errorf("%s %s = %d %s, want %d", c.method, c.path, a.status, a.body, status)
		}
	}
	// The refresh keeps its semantics in a document that has more.
	wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 201, "")
	wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 401, mock.CodeRefreshTokenReused)
}

// Examples are served as written, the first by default and any by name.
func TestExamplesAreServedAndChosenByPrefer(t *testing.T) {
	h := extraHarness(t, mock.WithAuth(mock.AuthOff))
	a := h.call(http.MethodGet, "/api/v1/projects/3", "")
	if string(a.body) != `{"createdAt":"2026-01-01T09:00:00Z","id":42,"name":"Small shop","status":"live"}` {
		t.Errorf("the operation's example was not served: %s", a.body)
	}
	a = h.call(http.MethodPost, "/api/v1/projects", `{"name":"x"}`)
	if !strings.Contains(string(a.body), `"name":"Small shop"`) || a.header.Get("Location") != "/api/v1/projects/42" {
		t.Errorf("first example / declared header: %s %v", a.body, a.header)
	}
	a = h.call(http.MethodPost, "/api/v1/projects", `{"name":"x"}`, "Prefer", "example=archived")
	if !strings.Contains(string(a.body), `"status":"archived"`) || a.header.Get("Preference-Applied") != "example=archived" {
		t.Errorf("Prefer: example=archived gave %s %v", a.body, a.header)
	}
	a = h.call(http.MethodPost, "/api/v1/projects", `{"name":"x"}`, "Prefer", "example=huge")
	if a.status != 400 || !strings.Contains(strings.Join(a.validationFields(t)["Prefer"], ""), "small, archived") {
		t.Errorf("unknown example: %d %s", a.status, a.body)
	}
	a = h.call(http.MethodGet, "/api/v1/projects/3", "", "Prefer", "dynamic=true")
	if strings.Contains(string(a.body), "Small shop") {
		t.Errorf("dynamic=true served the example: %s", a.body)
	}
}

// Generated answers vary, and every one of them validates (the harness checks each).
func TestGeneratedAnswersValidate(t *testing.T) {
	h := extraHarness(t, mock.WithAuth(mock.AuthOff))
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 25 {
		for _, c := range extraCalls {
			a := h.call(c.method, c.path, c.body, "Prefer", "dynamic=true")
			seen[string(a.body)] = true
			if c.path == "/api/v1/status" && !uuid.MatchString(a.header.Get("X-Request-Id")) {
				t.Errorf("declared header X-Request-Id = %q", a.header.Get("X-Request-Id"))
			}
		}
	}
	if len(seen) < 50 {
		t.Errorf("only %d different bodies in 150 generated answers", len(seen))
	}
	if events := h.events("?limit=1000").Events; len(events) != 150 {
		t.Fatalf("%d events", len(events))
	} else {
		for _, e := range events {
			if len(e.ResponseErrors) > 0 {
				t.Errorf("the mock reports it could not build a valid answer: %+v", e)
			}
		}
	}
}

// Two mocks started from the same random source answer the same: snapshot tests of a
// frontend stay stable.
func TestGeneratedAnswersAreReproducible(t *testing.T) {
	var bodies [2][]byte
	for i := range bodies {
		h := extraHarness(t, mock.WithAuth(mock.AuthOff))
		bodies[i] = h.call(http.MethodGet, "/api/v1/projects", "").body
	}
	if !bytes.Equal(bodies[0], bodies[1]) {
		t.Errorf("same seed, different answers:\n%s\n%s", bodies[0], bodies[1])
	}
}

// Errors take the body the operation declares: the mock's explanation where its shape
// fits, else one built from the document.
func TestErrorsOfOtherOperationsUseTheirDeclaredBodies(t *testing.T) {
	h := extraHarness(t)
	s := h.session()
	bearer := "Bearer " + s.AccessToken

	a := h.call(http.MethodPost, "/api/v1/projects", `{"title":"x"}`, "Authorization", bearer)
	if a.status != 400 || a.code() != mock.CodeValidationFailed || len(a.validationFields(t)["name"]) == 0 {
		t.Errorf("createProject without name: %d %s", a.status, a.body)
	}
	a = h.call(http.MethodGet, "/api/v1/projects?limit=0", "", "Authorization", bearer)
	if a.status != 422 || a.code() != mock.CodeValidationFailed || !strings.Contains(string(a.body), `"title"`) {
		t.Errorf("listProjects?limit=0 (no 400 declared, 422 is): %d %s", a.status, a.body)
	}
	if e := h.events("?limit=1").Events[0]; len(e.ValidationErrors["limit"]) == 0 || !strings.Contains(e.ValidationErrors["limit"][0], "minimum") {
		t.Errorf("the event of the 422 lacks the validation errors: %+v", e)
	}
	a = h.call(http.MethodGet, "/api/v1/projects/abc", "", "Authorization", bearer)
	if a.status != 404 || a.code() != mock.CodeValidationFailed {
		t.Errorf("getProject with a malformed id (no 400 or 422 declared, 404 is): %d %s", a.status, a.body)
	}
	a = h.call(http.MethodGet, "/api/v1/projects/3", "", "Authorization", bearer, "Prefer", "code=404")
	if a.status != 404 || a.code() != mock.CodeForced || !strings.Contains(string(a.body), `"title"`) {
		t.Errorf("Prefer: code=404 = %d %s %s", a.status, a.code(), a.body)
	}
	a = h.call(http.MethodGet, "/api/v1/projects?limit=0", "", "Authorization", bearer, "Prefer", "code=404")
	if a.status != 422 || !strings.Contains(string(a.body), `"title"`) {
		t.Errorf("an invalid request still answers its validation status: %d %s", a.status, a.body)
	}
}

// Protected operations hold the access token to its expiry by the mock's clock: the 401
// a frontend answers by refreshing.
func TestAccessTokensExpireOnProtectedOperations(t *testing.T) {
	h := extraHarness(t)
	s := h.session()
	me := func(tok string) answer {
		return h.call(http.MethodGet, "/api/v1/me", "", "Authorization", "Bearer "+tok)
	}
	wantStatus(t, me(s.AccessToken), 200, "")
	wantStatus(t, h.call(http.MethodGet, "/api/v1/me", ""), 401, mock.CodeMissingCredentials)
	wantStatus(t, me("garbage"), 401, mock.CodeInvalidCredentials)
	wantStatus(t, h.call(http.MethodGet, "/api/v1/status", ""), 200, "")

	h.clock.Advance(mock.DefaultAccessTTL)
	wantStatus(t, me(s.AccessToken), 401, mock.CodeAccessTokenExpired)
	p := h.refresh(s.AccessToken, s.RefreshToken).pair(t)
	wantStatus(t, me(p.AccessToken), 200, "")

	h.call(http.MethodPost, "/__mock/sessions/"+s.SessionID+"/expire", `{"what":"access"}`)
	wantStatus(t, me(p.AccessToken), 401, mock.CodeAccessTokenExpired)
	p = h.refresh(p.AccessToken, p.RefreshToken).pair(t)
	wantStatus(t, me(p.AccessToken), 200, "")

	h.call(http.MethodDelete, "/__mock/sessions/"+s.SessionID, "")
	wantStatus(t, me(p.AccessToken), 401, mock.CodeSessionRevoked)
	if e := h.events("?limit=1").Events[0]; e.SessionID != s.SessionID {
		t.Errorf("the event does not name the session: %+v", e)
	}
}

func TestAuthPresenceAndOffOnOtherOperations(t *testing.T) {
	h := extraHarness(t, mock.WithAuth(mock.AuthPresence))
	wantStatus(t, h.call(http.MethodGet, "/api/v1/me", "", "x-access-token", "anything"), 200, "")
	wantStatus(t, h.call(http.MethodGet, "/api/v1/me", ""), 401, mock.CodeMissingCredentials)
	h = extraHarness(t, mock.WithAuth(mock.AuthOff))
	wantStatus(t, h.call(http.MethodGet, "/api/v1/me", ""), 200, "")
}

// Latency and lost responses apply to any operation.
func TestFaultsOnAnotherOperation(t *testing.T) {
	h := extraHarness(t, mock.WithAuth(mock.AuthOff))
	h.addFault(`{"operation":"POST /projects","lostResponse":true}`)
	if err := h.lose(h.newRequest(http.MethodPost, "/api/v1/projects", `{"name":"x"}`)); err == nil {
		t.Fatal("not dropped")
	}
	h.addFault(`{"operation":"getStatus","latency":"50ms"}`)
	start := time.Now()
	if a := h.call(http.MethodGet, "/api/v1/status", ""); a.status != 200 || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("latency on getStatus: %d after %s", a.status, time.Since(start))
	}
}
