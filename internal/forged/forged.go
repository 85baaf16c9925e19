// Package forged makes the tokens an attacker would try against a server that signs HS256
// JWTs: unsigned, re-signed under other keys and algorithms, expired, of the wrong type,
// truncated. Every test of the module that needs a forged token takes it from here, so
// the catalogue is written once (RFC 8725 §2.1 and §3.1 list the attacks).
//
// It is a helper for tests and for the conformance suite's probes, not for production
// code: nothing here verifies anything.
package forged

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var b64 = base64.RawURLEncoding

// Forgery is one forged token and how it was made.
type Forgery struct {
	Name  string
	Token string
}

// Claims decodes token's payload without checking anything.
func Claims(token string) (jwt.MapClaims, error) {
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		return nil, fmt.Errorf("forged: decode the payload to forge from: %w", err)
	}
	return claims, nil
}

// Sign signs claims with method and key; it panics only on a key of the wrong kind,
// which is a bug in the caller.
func Sign(method jwt.SigningMethod, key any, claims jwt.Claims) string {
	out, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		panic(fmt.Sprintf("forged: sign with %s: %v", method.Alg(), err))
	}
	return out
}

// RandomKey is a fresh 256-bit HMAC key no server knows.
func RandomKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}

// Unissued is a well-formed HS256 JWT with the given claims under a random key: the shape
// of a real token, signed by no server.
func Unissued(claims jwt.MapClaims) string { return Sign(jwt.SigningMethodHS256, RandomKey(), claims) }

// Garbage is a random string of token length that is not a JWT at all.
func Garbage() string { return "not-a-token-" + rand.Text() + rand.Text() }

// withHeader puts payload under the given JOSE header and signs with sig over the first
// two parts.
func withHeader(header, payload string, sig func(signed string) string) string {
	signed := b64.EncodeToString([]byte(header)) + "." + payload
	return signed + "." + sig(signed)
}

func hmacSHA256(key []byte) func(string) string {
	return func(signed string) string {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(signed))
		return b64.EncodeToString(mac.Sum(nil))
	}
}

// Variants re-makes token, an HS256 JWT, every way an attacker would try: with the
// server's own key where the attack needs one (algorithm confusion, RFC 8725 §2.1), and
// without it. None of them may be accepted by a server that signs with key and accepts
// only HS256. The order is stable.
func Variants(token string, key []byte) ([]Forgery, error) {
	claims, err := Claims(token)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("forged: want a compact JWS of three parts, got %d", len(parts))
	}
	payload := parts[1]
	noSig := func(string) string { return "" }
	expired := jwt.MapClaims{}
	for k, v := range claims {
		expired[k] = v
	}
	expired["exp"] = time.Now().Add(-time.Hour).Unix()
	return []Forgery{
		{"alg none", Sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims)},
		{"alg NONE", withHeader(`{"alg":"NONE","typ":"JWT"}`, payload, noSig)},
		{"HS384 with the server's key", Sign(jwt.SigningMethodHS384, key, claims)},
		{"HS512 with the server's key", Sign(jwt.SigningMethodHS512, key, claims)},
		{"RS256 header over an HMAC signature", withHeader(`{"alg":"RS256","typ":"JWT"}`, payload, hmacSHA256(key))},
		{"ES256 header over an HMAC signature", withHeader(`{"alg":"ES256","typ":"JWT"}`, payload, hmacSHA256(key))},
		{"no alg over an HMAC signature", withHeader(`{"typ":"JWT"}`, payload, hmacSHA256(key))},
		{"HS256 with another key", Unissued(claims)},
		{"expired, HS256 with another key", Unissued(expired)},
		{"HS256 without its signature", parts[0] + "." + payload + "."},
		{"HS256 with its signature padded", token + "="},
		{"HS256 with a fourth part", token + ".x"},
		{"truncated", token[:len(token)-len(parts[2])/2]},
		{"garbage", Garbage()},
	}, nil
}

// WithClaim re-signs token with key after setting one claim: a token of the wrong type
// (typ) or of another session, signed as the server would sign it.
func WithClaim(token string, key []byte, name string, value any) (string, error) {
	claims, err := Claims(token)
	if err != nil {
		return "", err
	}
	claims[name] = value
	return Sign(jwt.SigningMethodHS256, key, claims), nil
}

// Credentials are the access tokens no server issued, made from token (a real access
// token, whose claims they borrow when it is a JWT, so that only the signature can give
// them away): a JWT under a random HS256 key, one with alg none, an expired copy re-signed
// with another key, and garbage. A refresh must refuse each as its credential. The order
// is stable.
func Credentials(token string) []Forgery {
	now := time.Now()
	claims, err := Claims(token)
	if err != nil { // an opaque access token lends nothing
		claims = jwt.MapClaims{"sub": "forged-user", "typ": "access"}
	}
	with := func(iat, exp time.Time) jwt.MapClaims {
		out := jwt.MapClaims{}
		for k, v := range claims {
			out[k] = v
		}
		out["iat"], out["exp"] = iat.Unix(), exp.Unix()
		return out
	}
	valid := with(now, now.Add(time.Hour))
	return []Forgery{
		{"a JWT no server issued (HS256, random key)", Unissued(valid)},
		{"a JWT with alg none", Sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid)},
		{"an expired copy re-signed with another key", Unissued(with(now.Add(-2*time.Hour), now.Add(-time.Hour)))},
		{"random garbage", Garbage()},
	}
}
