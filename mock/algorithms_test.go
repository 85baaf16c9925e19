package mock_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/appmaker/refresh-conformance/mock"
)

var algorithmsKey = []byte("the mock's HS256 key, known to the attacker here")

// forgedVariants puts token's claims under the headers an attacker would try, each
// signed as well as it can be with the mock's own key (RFC 8725 §2.1, §3.1).
func forgedVariants(t *testing.T, token string) map[string]string {
	t.Helper()
	hs256 := resign(token, jwt.SigningMethodHS256, algorithmsKey)
	parts := strings.Split(hs256, ".")
	withHeader := func(header string, sig func(signed string) string) string {
		signed := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + parts[1]
		return signed + "." + sig(signed)
	}
	hmacSig := func(signed string) string { return base64.RawURLEncoding.EncodeToString(hmacOf(signed)) }
	noSig := func(string) string { return "" }
	return map[string]string{
		"alg none":                              resign(token, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType),
		"alg NONE":                              withHeader(`{"alg":"NONE","typ":"JWT"}`, noSig),
		"HS384 with the mock's key":             resign(token, jwt.SigningMethodHS384, algorithmsKey),
		"HS512 with the mock's key":             resign(token, jwt.SigningMethodHS512, algorithmsKey),
		"RS256 header over an HMAC signature":   withHeader(`{"alg":"RS256","typ":"JWT"}`, hmacSig),
		"ES256 header over an HMAC signature":   withHeader(`{"alg":"ES256","typ":"JWT"}`, hmacSig),
		"PS256 header over an HMAC signature":   withHeader(`{"alg":"PS256","typ":"JWT"}`, hmacSig),
		"no alg over an HMAC signature":         withHeader(`{"typ":"JWT"}`, hmacSig),
		"HS256 with another key":                resign(token, jwt.SigningMethodHS256, []byte("another key")),
		"HS256 without its signature":           parts[0] + "." + parts[1] + ".",
		"HS256 with its signature padded":       hs256 + "=",
		"HS256 with its signature in base64":    parts[0] + "." + parts[1] + "." + base64.StdEncoding.EncodeToString(hmacOf(parts[0]+"."+parts[1])),
		"HS256 with a fourth part":              hs256 + ".x",
		"HS256 with the signature over nothing": parts[0] + "." + parts[1] + "." + hmacSig(""),
	}
}

func hmacOf(signed string) []byte {
	mac := hmac.New(sha256.New, algorithmsKey)
	mac.Write([]byte(signed))
	return mac.Sum(nil)
}

// RFC 8725 §3.1: the mock accepts only HS256, the algorithm it signs with. An access
// token re-signed with HS256 and the key is accepted (the forging works); every other
// header is refused, as a credential and as the refresh token, and a refused refresh
// token neither rotates nor revokes its session.
func TestOnlyHS256IsAccepted(t *testing.T) {
	h := newHarness(t, mock.WithSigningKey(algorithmsKey))

	t.Run("an access token re-signed with HS256 and the key is a credential", func(t *testing.T) {
		s := h.session()
		wantStatus(t, h.refresh(resign(s.AccessToken, jwt.SigningMethodHS256, algorithmsKey), s.RefreshToken), http.StatusCreated, "")
	})
	probe := h.session()
	for name := range forgedVariants(t, probe.AccessToken) {
		t.Run("credential: "+name, func(t *testing.T) {
			s := h.session()
			wantStatus(t, h.refresh(forgedVariants(t, s.AccessToken)[name], s.RefreshToken), http.StatusUnauthorized, mock.CodeInvalidCredentials)
			wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), http.StatusCreated, "")
		})
		t.Run("refresh token: "+name, func(t *testing.T) {
			s := h.session()
			wantStatus(t, h.refresh(s.AccessToken, forgedVariants(t, s.RefreshToken)[name]), http.StatusUnauthorized, mock.CodeInvalidRefreshToken)
			wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), http.StatusCreated, "")
		})
	}
}
