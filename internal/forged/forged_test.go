package forged_test

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/appmaker/refresh-conformance/internal/forged"
)

// Every variant must be refused by the strictest parser of an HS256 server holding the key;
// the one re-signed with the key and a changed claim must be accepted (it is a legitimate
// signature, the test of a claim check).
func TestVariantsAreRefusedByAnHS256Parser(t *testing.T) {
	key := []byte("the server's key")
	token := forged.Sign(jwt.SigningMethodHS256, key, jwt.MapClaims{"sub": "user-1", "typ": "access", "exp": 4102444800})
	variants, err := forged.Variants(token, key)
	if err != nil {
		t.Fatal(err)
	}
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}))
	keyFunc := func(*jwt.Token) (any, error) { return key, nil }
	seen := map[string]bool{}
	for _, v := range variants {
		if seen[v.Name] || v.Token == token {
			t.Errorf("%s: a duplicate name or the original token", v.Name)
		}
		seen[v.Name] = true
		if _, err := parser.Parse(v.Token, keyFunc); err == nil {
			t.Errorf("%s: accepted by an HS256 parser with the key", v.Name)
		}
	}
	retyped, err := forged.WithClaim(token, key, "typ", "refresh")
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	if _, err := parser.ParseWithClaims(retyped, claims, keyFunc); err != nil || claims["typ"] != "refresh" {
		t.Errorf("WithClaim: %v, typ %v", err, claims["typ"])
	}
	if _, err := forged.Variants("not a jwt", key); err == nil {
		t.Error("Variants of a non-JWT: no error")
	}
}

// Each forged credential is refused by an HS256 server holding the real key, whether the
// real access token it is made from is a JWT or opaque; the JWT kinds keep its claims.
func TestCredentialsAreRefusedAndKeepTheClaims(t *testing.T) {
	key := []byte("the server's key")
	real := forged.Sign(jwt.SigningMethodHS256, key, jwt.MapClaims{"sub": "user-1", "sid": "s-1", "exp": 4102444800})
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}))
	keyFunc := func(*jwt.Token) (any, error) { return key, nil }
	for _, from := range []string{real, "opaque-access-token-0123456789"} {
		creds := forged.Credentials(from)
		if len(creds) != 4 {
			t.Fatalf("%d credentials, want 4", len(creds))
		}
		seen := map[string]bool{}
		for _, c := range creds {
			if seen[c.Name] || c.Token == "" || c.Token == from {
				t.Errorf("%s: a duplicate name, an empty token or the original", c.Name)
			}
			seen[c.Name] = true
			if _, err := parser.Parse(c.Token, keyFunc); err == nil {
				t.Errorf("%s: accepted by an HS256 parser with the key", c.Name)
			}
		}
		claims, err := forged.Claims(creds[0].Token)
		if err != nil {
			t.Fatal(err)
		}
		if from == real && claims["sid"] != "s-1" {
			t.Errorf("the unissued JWT does not keep the real claims: %v", claims)
		}
		expired, err := forged.Claims(creds[2].Token)
		if err != nil {
			t.Fatal(err)
		}
		if exp, _ := expired.GetExpirationTime(); exp == nil || !exp.Before(time.Now()) {
			t.Errorf("the expired copy expires at %v", exp)
		}
	}
}
