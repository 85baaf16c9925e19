package session

import (
	"time"

	"github.com/appmaker/refresh-conformance/mock/token"
)

// Session is one token family: the refresh tokens that descend from one sign-in. It holds
// hashes of tokens, never tokens, so a dump of a store cannot be replayed.
type Session struct {
	ID  string
	Sub string
	Org string

	CreatedAt time.Time
	// ExpiresAt is the absolute end of the session, however often it rotates.
	ExpiresAt time.Time

	// Generation counts rotations: the first refresh token is generation 1.
	Generation int
	// Current is the hash of the one refresh token that may rotate now.
	Current token.Hash
	// CurrentExpiresAt is when Current idle-expires; each rotation slides it, and the
	// control plane may bring it forward.
	CurrentExpiresAt time.Time
	// TokensExpireAt is the exp claim of the current refresh token, the latest of any token
	// of the session. A sweep waits for it, so that the tokens of a swept session are all
	// past their own exp and are answered "expired", never "unknown".
	TokensExpireAt time.Time
	// Previous is the hash of the token Current replaced: the one a racing twin of the last
	// rotation presents inside the grace window.
	Previous token.Hash
	// RotatedAt is when Previous was replaced; zero before the first rotation.
	RotatedAt time.Time
	// Access is the hash of the newest access token: a refresh's credential is known by it
	// without verifying its signature again. Older access tokens are verified.
	Access token.Hash
	// AccessExpiresAt is when the newest access token expires; the control plane may bring
	// it forward.
	AccessExpiresAt time.Time

	RevokedAt     time.Time
	RevokedReason string
}

// Reasons a session was revoked.
const (
	RevokedReuse = "refresh_token_reused"
	RevokedAdmin = "revoked_by_request"
)

// Revoked reports whether the session was revoked.
func (s *Session) Revoked() bool { return !s.RevokedAt.IsZero() }

// Revoke ends the session at now for reason. A revoked session keeps its first reason.
func (s *Session) Revoke(reason string, now time.Time) {
	if !s.Revoked() {
		s.RevokedAt, s.RevokedReason = now, reason
	}
}

// Part is what Expire ends early.
type Part string

// Parts of a session that the control plane can expire.
const (
	PartAccess  Part = "access"  // the access tokens
	PartRefresh Part = "refresh" // the current refresh token
	PartSession Part = "session" // everything
)

// Valid reports whether p is one of the parts.
func (p Part) Valid() bool { return p == PartAccess || p == PartRefresh || p == PartSession }

// Expire ends part of the session at now, unless it ends earlier already.
func (s *Session) Expire(part Part, now time.Time) {
	switch part {
	case PartAccess:
		s.AccessExpiresAt = earliest(s.AccessExpiresAt, now)
	case PartRefresh:
		s.CurrentExpiresAt = earliest(s.CurrentExpiresAt, now)
	case PartSession:
		s.ExpiresAt = earliest(s.ExpiresAt, now)
		s.CurrentExpiresAt = earliest(s.CurrentExpiresAt, now)
		s.AccessExpiresAt = earliest(s.AccessExpiresAt, now)
	}
}

// Sweepable reports whether every token of the session is past its own exp at now, so
// that a store may drop it: a token of a session the store no longer has is then
// answered "expired" by its claims alone.
func (s *Session) Sweepable(now time.Time) bool {
	return !now.Before(s.TokensExpireAt)
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
