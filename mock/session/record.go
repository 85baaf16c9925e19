package session

import (
	"time"

	"github.com/appmaker/refresh-conformance/mock/token"
)

// record is a Session as MemStore keeps it: times as Unix nanoseconds, sub and org in one
// string, the ID as the map key. A million of them fit in a few hundred megabytes.
type record struct {
	subOrg                                   string // Sub followed by Org
	reason                                   string
	created, expires, currentExpires, tokens int64
	rotated, access, revoked                 int64
	current, previous, accessHash            token.Hash
	generation                               int32
	subLen                                   uint32
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// set stores s in r. Sub and Org are copied only when they changed, so a rotation does
// not allocate them again.
func (r *record) set(s *Session) {
	if s.Sub != r.sub() || s.Org != r.org() {
		r.subOrg, r.subLen = s.Sub+s.Org, uint32(len(s.Sub))
	}
	r.created, r.expires, r.currentExpires, r.tokens = nanos(s.CreatedAt), nanos(s.ExpiresAt), nanos(s.CurrentExpiresAt), nanos(s.TokensExpireAt)
	r.rotated, r.access, r.revoked = nanos(s.RotatedAt), nanos(s.AccessExpiresAt), nanos(s.RevokedAt)
	r.current, r.previous, r.accessHash = s.Current, s.Previous, s.Access
	r.generation, r.reason = int32(s.Generation), s.RevokedReason
}

func (r *record) sub() string { return r.subOrg[:r.subLen] }
func (r *record) org() string { return r.subOrg[r.subLen:] }

func (r *record) session(id string) Session {
	return Session{
		ID: id, Sub: r.sub(), Org: r.org(),
		CreatedAt: fromNanos(r.created), ExpiresAt: fromNanos(r.expires),
		CurrentExpiresAt: fromNanos(r.currentExpires), TokensExpireAt: fromNanos(r.tokens),
		RotatedAt: fromNanos(r.rotated), AccessExpiresAt: fromNanos(r.access), RevokedAt: fromNanos(r.revoked),
		Current: r.current, Previous: r.previous, Access: r.accessHash,
		Generation: int(r.generation), RevokedReason: r.reason,
	}
}
