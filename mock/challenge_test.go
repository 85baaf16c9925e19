package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/spec"
)

// bearerOnlyDoc is the refresh plus one operation whose security takes only a bearer token.
const bearerOnlyDoc = `openapi: 3.0.3
info: {title: bearer only, version: 1.0.0}
servers: [{url: http://localhost:5001/api/v1}]
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
    accessToken: {type: apiKey, in: header, name: x-access-token}
  schemas:
    UnauthorizedError:
      type: object
      properties: {apiError: {type: array, items: {type: string}}}
paths:
  /auth/refresh-token:
    post:
      operationId: refreshToken
      security: [{bearerAuth: []}, {accessToken: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [refreshToken], properties: {refreshToken: {type: string}}}
      responses:
        '201':
          description: Created
          content:
            application/json:
              schema: {type: object, required: [accessToken, refreshToken], properties: {accessToken: {type: string}, refreshToken: {type: string}}}
        '400': {description: Bad Request, content: {application/json: {schema: {type: object}}}}
        '401': {description: Unauthorized, content: {application/json: {schema: {$ref: '#/components/schemas/UnauthorizedError'}}}}
  /orders:
    get:
      operationId: listOrders
      security: [{bearerAuth: []}]
      responses:
        '200': {description: Orders, content: {application/json: {schema: {type: array, items: {type: string}}, example: [a]}}}
        '401': {description: Unauthorized, content: {application/json: {schema: {$ref: '#/components/schemas/UnauthorizedError'}}}}
`

// RFC 6750 §3: a protected operation's 401 says, in WWW-Authenticate, whether the access token
// is the problem (invalid_token: refresh, or sign in again) or no credential was sent at all.
func TestProtectedOperationsAnswer401WithABearerChallenge(t *testing.T) {
	h := extraHarness(t)
	s := h.session()
	me := func(headers ...string) answer { return h.call(http.MethodGet, "/api/v1/me", "", headers...) }

	if a := me(); a.header.Get("WWW-Authenticate") != "Bearer" {
		t.Errorf("no credential: WWW-Authenticate %q, want Bearer and no error (RFC 6750 §3.1)", a.header.Get("WWW-Authenticate"))
	}
	if a := me("Authorization", "Bearer garbage"); !strings.HasPrefix(a.header.Get("WWW-Authenticate"), `Bearer error="invalid_token", error_description="the access token was not signed by this mock`) {
		t.Errorf("a foreign token: WWW-Authenticate %q", a.header.Get("WWW-Authenticate"))
	}
	h.clock.Advance(mock.DefaultAccessTTL)
	a := me("Authorization", "Bearer "+s.AccessToken)
	wantStatus(t, a, 401, mock.CodeAccessTokenExpired)
	if got := a.header.Get("WWW-Authenticate"); got != `Bearer error="invalid_token", error_description="the access token has expired; refresh it"` {
		t.Errorf("an expired token: WWW-Authenticate %q", got)
	}
	if e := h.events("?limit=1").Events[0]; e.Code != mock.CodeAccessTokenExpired || e.SessionID != s.SessionID {
		t.Errorf("the access_token_expired event does not name the session: %+v", e)
	}

	p := h.refresh(s.AccessToken, s.RefreshToken).pair(t)
	h.call(http.MethodDelete, "/__mock/sessions/"+s.SessionID, "")
	a = me("x-access-token", p.AccessToken)
	wantStatus(t, a, 401, mock.CodeSessionRevoked)
	challenge, body := a.header.Get("WWW-Authenticate"), string(a.body)
	if !strings.Contains(challenge, `error="invalid_token"`) || !strings.Contains(challenge, "sign in again") {
		t.Errorf("a revoked session: WWW-Authenticate %q", challenge)
	}
	// The operation took no refresh token: its answer does not speak of one.
	if strings.Contains(body, "this refresh token") || strings.Contains(challenge, "this refresh token") {
		t.Errorf("session_revoked on GET /me speaks of a refresh token: %s", body)
	}

	h.addFault(`{"operation":"getMe","status":401}`)
	a = me("Authorization", "Bearer "+p.AccessToken)
	if got := a.header.Get("WWW-Authenticate"); a.status != 401 || !strings.Contains(got, `error="invalid_token"`) {
		t.Errorf("a forced 401: %d WWW-Authenticate %q", a.status, got)
	}
}

// An access token in x-access-token, sent to an operation that reads only Authorization: Bearer,
// is answered with what the operation takes, not with "not signed by this mock".
func TestACredentialSentWhereTheOperationDoesNotReadIt(t *testing.T) {
	doc, err := spec.Parse("bearer only", []byte(bearerOnlyDoc))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessFor(t, doc)
	s := h.session()
	wantStatus(t, h.call(http.MethodGet, "/api/v1/orders", "", "Authorization", "Bearer "+s.AccessToken), 200, "")
	a := h.call(http.MethodGet, "/api/v1/orders", "", "x-access-token", s.AccessToken)
	wantStatus(t, a, 401, mock.CodeCredentialNotAccepted)
	if body := string(a.body); !strings.Contains(body, "only as 'Authorization: Bearer <token>'") || strings.Contains(body, "not signed") {
		t.Errorf("body %s", body)
	}
	if got := a.header.Get("WWW-Authenticate"); got != "Bearer" {
		t.Errorf("WWW-Authenticate %q, want Bearer (RFC 6750 §3.1: an unsupported method gets no error code)", got)
	}
	if e := h.events("?limit=1").Events[0]; e.SessionID != s.SessionID {
		t.Errorf("the token names its session, the event does not: %+v", e)
	}
	// The refresh reads both: there x-access-token is fine.
	wantStatus(t, h.do(h.request("application/json", `{"refreshToken":"`+s.RefreshToken+`"}`, "x-access-token", s.AccessToken)), 201, "")
}
