package token_test

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/appmaker/refresh-conformance/mock/token"
)

// A token without an exp claim (as a client or another issuer may send) has no expiry:
// the zero time, which the refresh rules read as "judge by the session", never the Unix
// epoch, which would make every such token expired.
func TestExpiresAtOfAMissingClaimIsZero(t *testing.T) {
	if got := token.ExpiresAt(jwt.RegisteredClaims{}); !got.IsZero() {
		t.Errorf("ExpiresAt without exp = %v, want the zero time", got)
	}
	exp := time.Date(2026, 12, 14, 12, 0, 0, 0, time.UTC)
	if got := token.ExpiresAt(jwt.RegisteredClaims{ExpiresAt: jwt.NewNumericDate(exp)}); !got.Equal(exp) {
		t.Errorf("ExpiresAt = %v, want %v", got, exp)
	}
}

// The zero Hash stands for "no token" (a session's Previous before its first rotation);
// the hash of any token, even the empty one, is not it.
func TestOnlyTheZeroHashIsZero(t *testing.T) {
	if !(token.Hash{}).IsZero() {
		t.Error("the zero Hash is not IsZero")
	}
	if token.HashOf("").IsZero() || token.HashOf("a token").IsZero() {
		t.Error("the hash of a token says it is no token")
	}
}
