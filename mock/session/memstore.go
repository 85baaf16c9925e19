package session

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/appmaker/refresh-conformance/mock/token"
)

var _ Store = (*MemStore)(nil)

// shardCount spreads sessions, and the index of their current tokens, over independently
// locked maps, so that refreshes of unrelated sessions do not wait for each other.
const shardCount = 64

// MemStore keeps sessions in memory, compactly (docs/PERFORMANCE.md has the bytes per
// session). A session's shard is locked for each rule applied to it; the index of current
// tokens is locked after it, never before, so the two cannot deadlock.
type MemStore struct {
	sessions [shardCount]sessionShard
	current  [shardCount]indexShard
}

type sessionShard struct {
	mu sync.Mutex
	m  map[string]*record
	// peak is the most sessions m has held since it was made: Go maps keep their size
	// when emptied, so Sweep makes a smaller one once most of them are gone.
	peak int
}

type indexShard struct {
	mu   sync.Mutex
	m    map[indexKey]string // a current refresh or newest access token's hash -> session id
	peak int                 // as sessionShard's
}

// indexKey is the first half of a token hash: 128 bits tell a million sessions' tokens
// apart as surely as 256, in half the memory, and FindCurrent compares the whole hash
// with the session's before answering.
type indexKey [16]byte

func keyOf(h token.Hash) indexKey { return indexKey(h[:16]) }

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	st := &MemStore{}
	for i := range shardCount {
		st.sessions[i].m = map[string]*record{}
		st.current[i].m = map[indexKey]string{}
	}
	return st
}

func (st *MemStore) sessionShard(id string) *sessionShard {
	var h uint32 = 2166136261 // FNV-1a: the ids are random, any mix spreads them
	for i := 0; i < len(id); i++ {
		h = (h ^ uint32(id[i])) * 16777619
	}
	return &st.sessions[h%shardCount]
}

func (st *MemStore) indexShard(h token.Hash) *indexShard { return &st.current[h[0]%shardCount] }

func (st *MemStore) index(h token.Hash, id string) {
	sh := st.indexShard(h)
	sh.mu.Lock()
	sh.m[keyOf(h)] = id
	sh.peak = max(sh.peak, len(sh.m))
	sh.mu.Unlock()
}

func (st *MemStore) unindex(h token.Hash, id string) {
	sh := st.indexShard(h)
	sh.mu.Lock()
	if k := keyOf(h); sh.m[k] == id {
		delete(sh.m, k)
	}
	sh.mu.Unlock()
}

// reindex moves id's index entry from the hash was to the hash is.
func (st *MemStore) reindex(id string, was, is token.Hash) {
	if was == is {
		return
	}
	if !was.IsZero() {
		st.unindex(was, id)
	}
	if !is.IsZero() {
		st.index(is, id)
	}
}

// Create implements Store.
func (st *MemStore) Create(_ context.Context, s Session) error {
	if s.ID == "" {
		return fmt.Errorf("session: create: empty id")
	}
	sh := st.sessionShard(s.ID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, taken := sh.m[s.ID]; taken {
		return fmt.Errorf("session %q: %w", s.ID, ErrExists)
	}
	r := &record{}
	r.set(&s)
	sh.m[s.ID] = r
	sh.peak = max(sh.peak, len(sh.m))
	st.index(s.Current, s.ID)
	if !s.Access.IsZero() {
		st.index(s.Access, s.ID)
	}
	return nil
}

// Get implements Store.
func (st *MemStore) Get(_ context.Context, id string) (Session, error) {
	sh := st.sessionShard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	r, ok := sh.m[id]
	if !ok {
		return Session{}, fmt.Errorf("session %q: %w", id, ErrNotFound)
	}
	return r.session(id), nil
}

// FindCurrent implements Store.
func (st *MemStore) FindCurrent(ctx context.Context, h token.Hash) (Session, error) {
	ix := st.indexShard(h)
	ix.mu.Lock()
	id, ok := ix.m[keyOf(h)]
	ix.mu.Unlock()
	if !ok {
		return Session{}, ErrNotFound
	}
	s, err := st.Get(ctx, id)
	if err != nil || (s.Current != h && s.Access != h) { // rotated or dropped since the index was read
		return Session{}, ErrNotFound
	}
	return s, nil
}

// update applies fn to the session id under its shard's lock, writing it back and
// re-indexing its current token when fn reports a change.
func (st *MemStore) update(id string, fn func(*Session) bool) (Session, error) {
	sh := st.sessionShard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	r, ok := sh.m[id]
	if !ok {
		return Session{}, fmt.Errorf("session %q: %w", id, ErrNotFound)
	}
	s := r.session(id)
	before := s
	if fn(&s) {
		r.set(&s)
		st.reindex(id, before.Current, s.Current)
		st.reindex(id, before.Access, s.Access)
	}
	return s, nil
}

// Rotate implements Store.
func (st *MemStore) Rotate(_ context.Context, id string, rot Rotation) (Session, Outcome, error) {
	var out Outcome
	s, err := st.update(id, func(s *Session) bool {
		out = s.Rotate(rot)
		return out.Changed()
	})
	return s, out, err
}

// Revoke implements Store.
func (st *MemStore) Revoke(_ context.Context, id, reason string, now time.Time) (Session, error) {
	return st.update(id, func(s *Session) bool { s.Revoke(reason, now); return true })
}

// Expire implements Store.
func (st *MemStore) Expire(_ context.Context, id string, part Part, now time.Time) (Session, error) {
	return st.update(id, func(s *Session) bool { s.Expire(part, now); return true })
}

// List implements Store.
func (st *MemStore) List(context.Context) ([]Session, error) {
	var out []Session
	for i := range st.sessions {
		sh := &st.sessions[i]
		sh.mu.Lock()
		for id, r := range sh.m {
			out = append(out, r.session(id))
		}
		sh.mu.Unlock()
	}
	return out, nil
}

// Sweep implements Store.
func (st *MemStore) Sweep(_ context.Context, now time.Time) (int, error) {
	removed := 0
	for i := range st.sessions {
		sh := &st.sessions[i]
		sh.mu.Lock()
		for id, r := range sh.m {
			if s := r.session(id); s.Sweepable(now) {
				delete(sh.m, id)
				st.unindex(s.Current, id)
				st.unindex(s.Access, id)
				removed++
			}
		}
		if len(sh.m) < sh.peak/4 {
			sh.m, sh.peak = regrown(sh.m), len(sh.m)
		}
		sh.mu.Unlock()
	}
	for i := range st.current {
		ix := &st.current[i]
		ix.mu.Lock()
		if len(ix.m) < ix.peak/4 {
			ix.m, ix.peak = regrown(ix.m), len(ix.m)
		}
		ix.mu.Unlock()
	}
	return removed, nil
}

// regrown copies m into a map sized for what it holds now.
func regrown[K comparable, V any](m map[K]V) map[K]V {
	fresh := make(map[K]V, len(m))
	for k, v := range m {
		fresh[k] = v
	}
	return fresh
}

// Reset implements Store.
func (st *MemStore) Reset(context.Context) error {
	for i := range shardCount {
		sh := &st.sessions[i]
		sh.mu.Lock()
		sh.m, sh.peak = map[string]*record{}, 0
		ix := &st.current[i]
		ix.mu.Lock()
		ix.m, ix.peak = map[indexKey]string{}, 0
		ix.mu.Unlock()
		sh.mu.Unlock()
	}
	return nil
}

// Len counts the sessions held.
func (st *MemStore) Len() int {
	n := 0
	for i := range st.sessions {
		sh := &st.sessions[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}
