package conformance

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// CheckJWT says what keeps token from being a JWT in JWS compact form (RFC 7515 §7.1,
// RFC 7519 §3): three base64url parts, a JSON object header whose alg is set and is not
// "none" (RFC 8725 §3.1), and a signature. It never quotes the token.
func CheckJWT(token string) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return fmt.Errorf("it has %d dot-separated parts, not 3", len(parts))
	}
	decoded := make([][]byte, 3)
	for i, name := range []string{"header", "payload", "signature"} {
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[i], "="))
		if err != nil {
			return fmt.Errorf("its %s is not base64url: %v", name, err)
		}
		decoded[i] = b
	}
	var header map[string]any
	if err := json.Unmarshal(decoded[0], &header); err != nil {
		return fmt.Errorf("its header is not a JSON object: %v", err)
	}
	alg, _ := header["alg"].(string)
	if alg == "" {
		return fmt.Errorf("its header has no alg")
	}
	if strings.EqualFold(alg, "none") {
		return fmt.Errorf("its header says alg %q: it is unsigned", alg)
	}
	if len(decoded[2]) == 0 {
		return fmt.Errorf("it says alg %q but has no signature", alg)
	}
	return nil
}

// randomString is n random bytes, base64url.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

func encodeSegment(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("conformance: marshal a JWT segment of plain maps: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// fakeClaims look like a refresh token's claims, for tokens no server issued.
func fakeClaims() map[string]any {
	now := time.Now().Unix()
	return map[string]any{"sub": "conformance-suite", "typ": "refresh", "jti": randomString(16),
		"iat": now, "exp": now + 3600}
}

// hs256 signs header and claims with a random key nobody else has.
func hs256(header, payload string) string {
	mac := hmac.New(sha256.New, []byte(randomString(32)))
	mac.Write([]byte(header + "." + payload))
	return header + "." + payload + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// jwtParts splits a token that looks like a JWT into its encoded header and payload.
func jwtParts(token string) (header, payload string, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || CheckJWT(token) != nil {
		return "", "", false
	}
	return parts[0], parts[1], true
}

// jwtExpiry reads the exp claim of a JWT, if it is one and has it.
func jwtExpiry(token string) (time.Time, bool) {
	_, payload, ok := jwtParts(token)
	if !ok {
		return time.Time{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(payload, "="))
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp *json.Number `json:"exp"`
	}
	if json.Unmarshal(raw, &claims) != nil || claims.Exp == nil {
		return time.Time{}, false
	}
	secs, err := claims.Exp.Float64()
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(int64(secs), 0), true
}
