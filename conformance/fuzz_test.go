package conformance_test

import (
	"strings"
	"testing"

	"github.com/appmaker/refresh-conformance/conformance"
)

// Whatever surrounds a registered secret, and however the text is cut around it, the
// redacted text does not contain it.
func FuzzRedactNeverLetsASecretThrough(f *testing.F) {
	f.Add("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", `{"refreshToken":"`, `"}`)
	f.Add("rt_0123456789abcdef", "Bearer ", "")
	f.Add("a/b<c>&d\"e\\f-ghijk", `"`, `\/`)
	f.Add("tokentoken", "token", "tokentokentoken")
	f.Fuzz(func(t *testing.T, secret, before, after string) {
		r := conformance.NewRedactor()
		if r.Add(secret) == secret {
			return // too short to be a token: not registered by design
		}
		text := before + secret + after
		if got := r.Redact(text); strings.Contains(got, secret) {
			t.Fatalf("the secret survives redaction of %q: %q", text, got)
		}
	})
}

// Headers from the environment never panic the parser, and what it accepts is usable.
func FuzzParseHeaders(f *testing.F) {
	f.Add("X-Api-Key: k, X-Env=qa")
	f.Add("\n,:=")
	f.Add("Name: value: with: colons")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := conformance.ParseHeaders(s)
		if err != nil {
			return
		}
		for name := range h {
			if name == "" || strings.ContainsAny(name, ":= \t\r\n") {
				t.Fatalf("accepted header name %q from %q", name, s)
			}
		}
	})
}

// A server's access token, whatever it is, gets a verdict and never a panic.
func FuzzCheckJWT(f *testing.F) {
	f.Add("eyJhbGciOiJIUzI1NiJ9.e30.c2ln")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("..")
	f.Add("bnVsbA.e30.c2ln")
	f.Fuzz(func(t *testing.T, token string) {
		if conformance.CheckJWT(token) == nil && strings.Count(token, ".") != 2 {
			t.Fatalf("accepted %q, which is not three parts", token)
		}
	})
}
