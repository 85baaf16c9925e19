package session

import (
	"crypto/subtle"
	"time"

	"github.com/appmaker/refresh-conformance/mock/token"
)

// Presented is what the refresh rules know of a presented refresh token.
type Presented struct {
	Hash       token.Hash
	Generation int
	// ExpiresAt is the token's exp claim: its own idle lifetime.
	ExpiresAt time.Time
}

// Next is the generation a rotation installs: the hashes and expiries of the pair minted
// for it.
type Next struct {
	Refresh          token.Hash
	RefreshExpiresAt time.Time
	Access           token.Hash
	AccessExpiresAt  time.Time
}

// Rotation is one refresh request's attempt to rotate a session.
type Rotation struct {
	Presented Presented
	Next      Next
	Now       time.Time
	// Grace is how long after a rotation its predecessor still gets the same successor
	// (--reuse-grace); 0 for never.
	Grace time.Duration
}

// Outcome is what a rotation attempt did.
type Outcome int

// Outcomes of Rotate, in the order the rules are tried.
const (
	// Revoked: the session was revoked before; nothing changed.
	Revoked Outcome = iota + 1
	// Expired: the session, or the presented token, is past its lifetime; nothing changed.
	Expired
	// Rotated: the presented token was current; Next is now current.
	Rotated
	// GraceReplay: the presented token is the one just rotated, inside the grace window;
	// nothing changed, and the caller answers the successor it answered then.
	GraceReplay
	// Reused: the presented token was rotated before; the session is now revoked.
	Reused
	// Foreign: the token was signed by this mock but is of no generation this session
	// issued (a later one, from an earlier run with the same key); nothing changed.
	Foreign
)

var outcomeNames = [...]string{Revoked: "revoked", Expired: "expired", Rotated: "rotated",
	GraceReplay: "grace replay", Reused: "reused", Foreign: "foreign"}

func (o Outcome) String() string {
	if o > 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// Changed reports whether the outcome changed the session, so a store must write it.
func (o Outcome) Changed() bool { return o == Rotated || o == Reused }

// Rotate applies the refresh rules (steps 4 to 6 of the README's table) to the session
// for one presented token. Exactly one of any number of attempts with the same current
// token can see Rotated, because a store applies Rotate atomically.
func (s *Session) Rotate(r Rotation) Outcome {
	now, p := r.Now, r.Presented
	// Step 4: a revoked session stays revoked.
	if s.Revoked() {
		return Revoked
	}
	// Step 4: the session's absolute lifetime, and the presented token's own idle
	// lifetime, before anything is said about reuse: an old token past its exp is
	// answered "expired" and does not revoke the session.
	if !now.Before(s.ExpiresAt) || (!p.ExpiresAt.IsZero() && !now.Before(p.ExpiresAt)) {
		return Expired
	}
	isCurrent := subtle.ConstantTimeCompare(p.Hash[:], s.Current[:]) == 1
	isPrevious := subtle.ConstantTimeCompare(p.Hash[:], s.Previous[:]) == 1
	// Inside --reuse-grace of the last rotation. A twin that read the clock before the winner
	// did sees a negative elapsed time: inside any window, but never a replay when there is
	// no window (Grace 0).
	inGrace := r.Grace > 0 && now.Sub(s.RotatedAt) < r.Grace
	// A generation before the current one: the token was rotated already.
	older := p.Generation < s.Generation
	switch {
	case isCurrent && !now.Before(s.CurrentExpiresAt):
		// The control plane may have brought the current token's end forward.
		return Expired
	case isCurrent:
		// Step 5, RFC 9700 §4.14.2: a refresh token is used once; rotation issues its successor.
		s.Previous, s.Current = s.Current, r.Next.Refresh
		s.Generation++
		s.RotatedAt = now
		s.CurrentExpiresAt, s.TokensExpireAt = r.Next.RefreshExpiresAt, r.Next.RefreshExpiresAt
		s.Access, s.AccessExpiresAt = r.Next.Access, r.Next.AccessExpiresAt
		return Rotated
	case isPrevious && inGrace:
		// Step 6: inside --reuse-grace, the racing twin of the last rotation gets the same successor.
		return GraceReplay
	case isPrevious || older:
		// Step 6, RFC 6749 §10.4 and RFC 9700 §4.14.2: a rotated refresh token presented
		// again means it leaked; revoke the whole session, so the newest token dies too.
		s.Revoke(RevokedReuse, now)
		return Reused
	default:
		return Foreign
	}
}
