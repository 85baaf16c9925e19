package session

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock/token"
)

// The index of current tokens holds one entry per stored session and no more: a rotation,
// a sweep and a reset leave no stale entry behind, so a long-running mock's memory per
// session stays what docs/PERFORMANCE.md says however often its sessions rotate.
func TestTheIndexHoldsOnlyCurrentTokens(t *testing.T) {
	ctx, now := context.Background(), time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	st := NewMemStore()
	for i := range 3 {
		cur := token.HashOf(fmt.Sprint("session ", i, " token 1"))
		end := now.Add(time.Duration(i+1) * time.Hour)
		s := Session{ID: fmt.Sprint("sess-", i), ExpiresAt: now.Add(24 * time.Hour), Generation: 1, Current: cur,
			CurrentExpiresAt: end, TokensExpireAt: end}
		if err := st.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
		for gen := 1; gen <= 5; gen++ {
			next := token.HashOf(fmt.Sprint("session ", i, " token ", gen+1))
			_, out, err := st.Rotate(ctx, s.ID, Rotation{Presented: Presented{Hash: cur, Generation: gen}, Now: now,
				Next: Next{Refresh: next, RefreshExpiresAt: end}})
			if err != nil || out != Rotated {
				t.Fatalf("rotation %d of %s: %v, %v", gen, s.ID, out, err)
			}
			cur = next
		}
	}
	if n := st.indexLen(); n != 3 {
		t.Fatalf("after 3 sessions rotated 5 times each the index holds %d tokens, want 3", n)
	}
	if n, err := st.Sweep(ctx, now.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("Sweep: %d, %v; want 1", n, err)
	}
	if n := st.indexLen(); n != 2 {
		t.Fatalf("after a sweep of 1 of 3 sessions the index holds %d tokens, want 2", n)
	}
	if err := st.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if n := st.indexLen(); n != 0 {
		t.Fatalf("after a reset the index holds %d tokens", n)
	}
}

func (st *MemStore) indexLen() int {
	n := 0
	for i := range st.current {
		sh := &st.current[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}
