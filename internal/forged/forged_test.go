package forged_test

import (
	"testing"

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
