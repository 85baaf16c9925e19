package mock

import (
	"context"
	"encoding/base64"
	"sync"
	"time"
)

var _ Store = (*MemStore)(nil)

// shardCount spreads sessions over independently locked maps, so that refreshes of
// unrelated sessions do not wait for each other.
const shardCount = 64

// MemStore keeps sessions in memory, compactly: a million live sessions take a few
// hundred megabytes at most (docs/PERFORMANCE.md has the measured figure).
type MemStore struct {
	shards [shardCount]shard
}

type shard struct {
	mu sync.Mutex
	m  map[sessionKey]*record
	// peak is the most sessions m has held since it was made: Go maps keep their size when
	// emptied, so Sweep makes a smaller one once most of them are gone.
	peak int
	// updating is the session Update lends fn, guarded by mu: a local one would move to
	// the heap on every refresh, since fn may be any function.
	updating Session
}

// sessionKey is the 16 random bytes behind a session ID (which is their base64url form).
type sessionKey [16]byte

// record is Session in 184 bytes: times as Unix nanoseconds, the ID as the map key, sub
// and org in one string. Sessions that never rotated or were never revoked keep zeros.
type record struct {
	subOrg                                            string // Sub followed by Org
	created, expires, currentExpires, rotated, access int64
	revoked                                           int64
	current, previous, latestAccess                   Hash
	generation                                        int32
	subLen                                            uint32
	reason                                            string
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	st := &MemStore{}
	for i := range st.shards {
		st.shards[i].m = map[sessionKey]*record{}
	}
	return st
}

func parseSessionID(id string) (sessionKey, bool) {
	var k sessionKey
	if base64.RawURLEncoding.DecodedLen(len(id)) != len(k) {
		return k, false
	}
	n, err := base64.RawURLEncoding.Decode(k[:], []byte(id))
	return k, err == nil && n == len(k)
}

func (st *MemStore) shard(k sessionKey) *shard { return &st.shards[k[0]%shardCount] }

// Create implements Store.
func (st *MemStore) Create(_ context.Context, s Session) error {
	k, ok := parseSessionID(s.ID)
	if !ok {
		return ErrSessionNotFound
	}
	sh := st.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, taken := sh.m[k]; taken {
		return ErrSessionExists
	}
	r := &record{}
	r.set(&s)
	sh.m[k] = r
	sh.peak = max(sh.peak, len(sh.m))
	return nil
}

// Get implements Store.
func (st *MemStore) Get(_ context.Context, id string) (Session, error) {
	k, ok := parseSessionID(id)
	if !ok {
		return Session{}, ErrSessionNotFound
	}
	sh := st.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	r, found := sh.m[k]
	if !found {
		return Session{}, ErrSessionNotFound
	}
	return r.session(id), nil
}

// Update implements Store.
func (st *MemStore) Update(_ context.Context, id string, fn func(*Session) error) (Session, error) {
	k, ok := parseSessionID(id)
	if !ok {
		return Session{}, ErrSessionNotFound
	}
	sh := st.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	r, found := sh.m[k]
	if !found {
		return Session{}, ErrSessionNotFound
	}
	s := &sh.updating
	*s = r.session(id)
	err := fn(s)
	r.set(s)
	out := *s
	*s = Session{} // keeps no strings alive
	return out, err
}

// List implements Store.
func (st *MemStore) List(context.Context) ([]Session, error) {
	var out []Session
	for i := range st.shards {
		sh := &st.shards[i]
		sh.mu.Lock()
		for k, r := range sh.m {
			out = append(out, r.session(base64.RawURLEncoding.EncodeToString(k[:])))
		}
		sh.mu.Unlock()
	}
	return out, nil
}

// Sweep implements Store: a session whose current refresh token has expired can never
// rotate again (older tokens expired earlier), so it is dropped.
func (st *MemStore) Sweep(_ context.Context, now time.Time) (int, error) {
	cut, removed := now.UnixNano(), 0
	for i := range st.shards {
		sh := &st.shards[i]
		sh.mu.Lock()
		for k, r := range sh.m {
			if cut >= r.currentExpires || cut >= r.expires {
				delete(sh.m, k)
				removed++
			}
		}
		if len(sh.m) < sh.peak/4 {
			sh.m, sh.peak = regrown(sh.m), len(sh.m)
		}
		sh.mu.Unlock()
	}
	return removed, nil
}

// regrown copies m into a map sized for what it holds now.
func regrown(m map[sessionKey]*record) map[sessionKey]*record {
	fresh := make(map[sessionKey]*record, len(m))
	for k, r := range m {
		fresh[k] = r
	}
	return fresh
}

// Reset implements Store.
func (st *MemStore) Reset(context.Context) error {
	for i := range st.shards {
		sh := &st.shards[i]
		sh.mu.Lock()
		sh.m, sh.peak = map[sessionKey]*record{}, 0
		sh.mu.Unlock()
	}
	return nil
}

// Len counts the sessions held.
func (st *MemStore) Len() int {
	n := 0
	for i := range st.shards {
		sh := &st.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
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
	r.created, r.expires, r.currentExpires = nanos(s.CreatedAt), nanos(s.ExpiresAt), nanos(s.CurrentExpiresAt)
	r.rotated, r.access, r.revoked = nanos(s.RotatedAt), nanos(s.AccessExpiresAt), nanos(s.RevokedAt)
	r.current, r.previous, r.latestAccess = s.Current, s.Previous, s.Access
	r.generation, r.reason = int32(s.Generation), s.RevokedReason
}

func (r *record) sub() string { return r.subOrg[:r.subLen] }
func (r *record) org() string { return r.subOrg[r.subLen:] }

func (r *record) session(id string) Session {
	return Session{
		ID: id, Sub: r.sub(), Org: r.org(),
		CreatedAt: fromNanos(r.created), ExpiresAt: fromNanos(r.expires), CurrentExpiresAt: fromNanos(r.currentExpires),
		RotatedAt: fromNanos(r.rotated), AccessExpiresAt: fromNanos(r.access), RevokedAt: fromNanos(r.revoked),
		Current: r.current, Previous: r.previous, Access: r.latestAccess,
		Generation: int(r.generation), RevokedReason: r.reason,
	}
}
