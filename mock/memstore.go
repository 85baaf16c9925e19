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

// MemStore keeps sessions in memory, compactly: a million live sessions must fit in a
// few hundred megabytes (see docs/PERFORMANCE.md).
type MemStore struct {
	shards [shardCount]shard
}

type shard struct {
	mu sync.Mutex
	m  map[sessionKey]*record
}

// sessionKey is the 16 random bytes behind a session ID (which is their base64url form).
type sessionKey [16]byte

// record is Session with times as Unix nanoseconds and the ID as raw bytes.
type record struct {
	sub, org                                          string
	created, expires, currentExpires, rotated, access int64
	revoked                                           int64
	current, previous                                 Hash
	generation                                        int32
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
	sh.m[k] = toRecord(&s)
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
	s := r.session(id)
	err := fn(&s)
	*r = *toRecord(&s)
	return s, err
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
		sh.mu.Unlock()
	}
	return removed, nil
}

// Reset implements Store.
func (st *MemStore) Reset(context.Context) error {
	for i := range st.shards {
		sh := &st.shards[i]
		sh.mu.Lock()
		sh.m = map[sessionKey]*record{}
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

func toRecord(s *Session) *record {
	return &record{
		sub: s.Sub, org: s.Org,
		created: nanos(s.CreatedAt), expires: nanos(s.ExpiresAt), currentExpires: nanos(s.CurrentExpiresAt),
		rotated: nanos(s.RotatedAt), access: nanos(s.AccessExpiresAt), revoked: nanos(s.RevokedAt),
		current: s.Current, previous: s.Previous, generation: int32(s.Generation), reason: s.RevokedReason,
	}
}

func (r *record) session(id string) Session {
	return Session{
		ID: id, Sub: r.sub, Org: r.org,
		CreatedAt: fromNanos(r.created), ExpiresAt: fromNanos(r.expires), CurrentExpiresAt: fromNanos(r.currentExpires),
		RotatedAt: fromNanos(r.rotated), AccessExpiresAt: fromNanos(r.access), RevokedAt: fromNanos(r.revoked),
		Current: r.current, Previous: r.previous, Generation: int(r.generation), RevokedReason: r.reason,
	}
}
