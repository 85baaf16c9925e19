package redact_test

import (
	"testing"

	"github.com/appmaker/refresh-conformance/internal/redact"
)

func TestJWTs(t *testing.T) {
	const tok = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLWJ5dGVz"
	for _, tc := range []struct{ in, want string }{
		{"/api/v1/" + tok, "/api/v1/" + redact.Marker},
		{"a " + tok + " b " + tok, "a " + redact.Marker + " b " + redact.Marker},
		{"version 1.2.3", "version 1.2.3"},
		{"host api.example.test", "host api.example.test"},
		{"no dots at all", "no dots at all"},
		// A token whose header is not JSON-looking is still three base64url segments.
		{"x.AAAAAAAA.BBBBBBBB.CCCCCCCC", "x." + redact.Marker},
	} {
		if got := redact.JWTs(tc.in); got != tc.want {
			t.Errorf("JWTs(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got, want := redact.HasJWT(tc.in), tc.in != tc.want; got != want {
			t.Errorf("HasJWT(%q) = %v, want %v", tc.in, got, want)
		}
	}
	if got := redact.JWTsWith("Bearer "+tok, "[jwt]"); got != "Bearer [jwt]" {
		t.Errorf("JWTsWith = %q", got)
	}
	if got := redact.FindJWTs("a " + tok + " b"); len(got) != 1 || got[0] != tok {
		t.Errorf("FindJWTs = %q", got)
	}
}
