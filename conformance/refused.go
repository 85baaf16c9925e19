package conformance

import (
	"context"
	"strings"
)

// ForeignToken is a kind of refresh token that no server issued.
type ForeignToken struct {
	Name string
	// make builds the token; sample is a refresh token the server issued, or "".
	make func(sample string) string
}

// Make builds the token. sample, a refresh token the server issued (never sent intact),
// lends its claims to the JWT kinds so that only the signature can give them away.
func (f ForeignToken) Make(sample string) string { return f.make(sample) }

// ForeignTokens are the refresh tokens that must be refused with 401.
func ForeignTokens() []ForeignToken {
	return []ForeignToken{
		{"a random string", func(string) string { return randomString(32) }},
		{"an empty string", func(string) string { return "" }},
		{"a very long string", func(string) string { return randomString(7500) }},
		{"a JWT with a bad signature", func(sample string) string {
			if header, payload, ok := jwtParts(sample); ok {
				return header + "." + payload + "." + randomString(32)
			}
			return hs256(encodeSegment(map[string]any{"alg": "HS256", "typ": "JWT"}), encodeSegment(fakeClaims()))
		}},
		{"a JWT with alg none", func(sample string) string {
			payload := encodeSegment(fakeClaims())
			if _, p, ok := jwtParts(sample); ok {
				payload = p
			}
			return encodeSegment(map[string]any{"alg": "none", "typ": "JWT"}) + "." + payload + "."
		}},
	}
}

// CheckForeignTokenRefused sends token, which no server issued, presenting cred, and
// expects 401.
func CheckForeignTokenRefused(ctx context.Context, c *Client, cred Credential, token string) error {
	ex, err := c.Send(ctx, RefreshCall(cred, token))
	if err != nil {
		return err
	}
	return statusIs(c.redactor, ex, 401, "a refresh token that no server issued is refused", responseLocation(c, "401"))
}

// InvalidBody is a request body the document's requestBody does not allow.
type InvalidBody struct {
	Name        string
	Body        []byte // nil: no body at all
	ContentType string // as Call.ContentType
}

// InvalidBodies are the bodies that must be refused with 400.
func InvalidBodies() []InvalidBody {
	return []InvalidBody{
		{Name: "no body"},
		{Name: "an empty object", Body: []byte(`{}`)},
		{Name: "refreshToken as a number", Body: []byte(`{"refreshToken":12345}`)},
		{Name: "refreshToken as a boolean", Body: []byte(`{"refreshToken":true}`)},
		{Name: "refreshToken as null", Body: []byte(`{"refreshToken":null}`)},
		{Name: "refreshToken as an array", Body: []byte(`{"refreshToken":["not-a-token"]}`)},
		{Name: "refreshToken as an object", Body: []byte(`{"refreshToken":{"value":"not-a-token"}}`)},
		{Name: "a top-level array", Body: []byte(`[{"refreshToken":"not-a-token"}]`)},
		{Name: "a top-level string", Body: []byte(`"not-a-token"`)},
		{Name: "a top-level number", Body: []byte(`42`)},
		{Name: "malformed JSON", Body: []byte(`{"refreshToken": "not-a-token"`)},
		{Name: "a wrong content type", Body: []byte(`{"refreshToken":"not-a-token"}`), ContentType: "text/plain"},
	}
}

// CheckInvalidBodyRefused sends body presenting cred. When cred is an access token known
// to be valid the answer must be 400. Otherwise the server may judge the credentials
// first, so 400 or 401 passes; doubt says why the credential is not known to be valid,
// and outcome says which answer came.
func CheckInvalidBodyRefused(ctx context.Context, c *Client, cred Credential, doubt string, body InvalidBody) (outcome string, err error) {
	ex, err := c.Send(ctx, Call{Credential: cred, Body: body.Body, ContentType: body.ContentType})
	if err != nil {
		return "", err
	}
	location := OperationLocation(c.target.Operation) + ".requestBody; " + responseLocation(c, "400")
	if cred.Present() && doubt == "" {
		return "answered 400 with a valid access token",
			statusIs(c.redactor, ex, 400, "an invalid body is refused with 400", location)
	}
	if !cred.Present() {
		doubt = "no access token was supplied"
	}
	switch ex.Response.StatusCode {
	case 400:
		return "answered 400 (" + doubt + "): the body was judged", nil
	case 401:
		return "answered 401 (" + doubt + "): the credential was judged, so the body check was not seen", nil
	}
	return "", newFailure(c.redactor, ex, "an invalid body is refused with 400, or 401 without a known-valid credential", location,
		"answered %s with %s", ex.Response.Status, snippet(c.redactor, ex.Body))
}

// HostileInput is a request built to trip a parser: it must get an answer the document
// declares, never a 5xx or a hang.
type HostileInput struct {
	Name string
	Call func(cred Credential) Call
}

// HostileInputs are the requests of HostileInput kind.
func HostileInputs() []HostileInput {
	body := func(b string) func(Credential) Call {
		return func(cred Credential) Call { return Call{Credential: cred, Body: []byte(b)} }
	}
	return []HostileInput{
		{"deeply nested JSON", body(`{"refreshToken":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`)},
		{"invalid UTF-8 in the token", body("{\"refreshToken\":\"\xff\xfe\xfd-not-a-token\"}")},
		{"a NUL character in the token", body(`{"refreshToken":"not-a-token\u0000"}`)},
		{"a duplicated refreshToken key", body(`{"refreshToken":"not-a-token-1","refreshToken":"not-a-token-2"}`)},
		{"a 48 KiB token", body(`{"refreshToken":"` + strings.Repeat("A", 48<<10) + `"}`)},
		{"an Authorization header without a token", func(Credential) Call {
			return Call{Credential: Credential{header: "Authorization", prefix: "Bearer "}, Body: RefreshBody("not-a-token")}
		}},
		{"a Basic Authorization header", func(Credential) Call {
			return Call{Credential: Credential{header: "Authorization", prefix: "Basic ", token: "Y29uZm9ybWFuY2U6c3VpdGU="}, Body: RefreshBody("not-a-token")}
		}},
	}
}

// CheckHostileInputRefused sends input presenting cred and expects a refusal the
// document declares (400 or 401) in time.
func CheckHostileInputRefused(ctx context.Context, c *Client, cred Credential, input HostileInput) error {
	ex, err := c.Send(ctx, input.Call(cred))
	if err != nil {
		return err
	}
	if code := ex.Response.StatusCode; code == 400 || code == 401 {
		return nil
	}
	return newFailure(c.redactor, ex, "a request built to trip the parser is refused", OperationLocation(c.target.Operation)+".responses",
		"answered %s with %s; want 400 or 401", ex.Response.Status, snippet(c.redactor, ex.Body))
}
