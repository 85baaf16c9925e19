package session

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Sweep gives the memory of swept sessions back once most of a shard's sessions are gone
// (Go maps keep their size when emptied: a mock that once held a million sessions would
// otherwise keep their buckets for good), and does not copy a shard that lost only a few,
// since a sweep runs every minute under load.
func TestSweepRegrowsAShardOnlyOnceMostOfItIsGone(t *testing.T) {
	ctx, now := context.Background(), time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	st := NewMemStore()
	shard := &st.sessions[0]
	// Twelve sessions of shard 0: the first two expire at +1h, the next eight at +2h, the last two at +3h.
	created := 0
	for i := 0; created < 12; i++ {
		id := fmt.Sprint("sess-", i)
		if st.sessionShard(id) != shard {
			continue
		}
		end := now.Add(time.Duration(1+min(created/2, 1)+created/10) * time.Hour)
		if err := st.Create(ctx, Session{ID: id, ExpiresAt: end, CurrentExpiresAt: end, TokensExpireAt: end}); err != nil {
			t.Fatal(err)
		}
		created++
	}
	if shard.peak != 12 {
		t.Fatalf("peak %d after 12 sessions, want 12", shard.peak)
	}
	if n, _ := st.Sweep(ctx, now.Add(time.Hour)); n != 2 || shard.peak != 12 {
		t.Fatalf("a sweep of 2 of 12 sessions: swept %d, peak %d; want 2 swept and the shard's map kept (peak 12)", n, shard.peak)
	}
	if n, _ := st.Sweep(ctx, now.Add(2*time.Hour)); n != 8 || shard.peak != 2 {
		t.Fatalf("a sweep leaving 2 of 12 sessions: swept %d, peak %d; want 8 swept and a map sized for 2 (peak 2)", n, shard.peak)
	}
}
