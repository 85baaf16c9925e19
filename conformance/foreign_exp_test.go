package conformance_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/conformance"
)

// Without a sample from the server, the JWT kinds of foreign token carry claims of their
// own, and their exp lies ahead: only the signature (or alg none) may give them away, so
// a server that refused them for being expired, and never checked the signature, would
// still fail the suite.
func TestForeignJWTsWithoutASampleAreNotExpired(t *testing.T) {
	checked := 0
	for _, f := range conformance.ForeignTokens() {
		parts := strings.Split(f.Make(""), ".")
		if len(parts) != 3 {
			continue // not a JWT kind
		}
		raw, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatalf("%s: payload is not base64url: %v", f.Name, err)
		}
		var claims struct {
			Exp int64 `json:"exp"`
		}
		if err := json.Unmarshal(raw, &claims); err != nil {
			t.Fatalf("%s: payload is not JSON: %v", f.Name, err)
		}
		if !time.Unix(claims.Exp, 0).After(time.Now()) {
			t.Errorf("%s: exp %v is not in the future: a server could refuse it as expired without checking its signature",
				f.Name, time.Unix(claims.Exp, 0))
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no foreign token is a JWT")
	}
}
