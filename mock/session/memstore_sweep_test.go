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

// TestSweepRegrowsAnIndexShardOnlyOnceMostOfItIsGone: the token index gives its memory back
// as the sessions' shards do (a million sessions' index entries are most of what a sweep
// frees), on the same rule.
func TestSweepRegrowsAnIndexShardOnlyOnceMostOfItIsGone(t *testing.T) {
	ctx, now := context.Background(), time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	st := NewMemStore()
	index := &st.current[0]
	// Twelve sessions whose current token's hash falls in index shard 0 (its first byte is
	// 0) and whose access token's in shard 1, expiring as in the test above.
	for i := range 12 {
		end := now.Add(time.Duration(1+min(i/2, 1)+i/10) * time.Hour)
		s := Session{ID: fmt.Sprint("sess-", i), ExpiresAt: end, CurrentExpiresAt: end, TokensExpireAt: end}
		s.Current[1], s.Access[0], s.Access[1] = byte(i+1), 1, byte(i+1)
		if err := st.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if len(index.m) != 12 || index.peak != 12 {
		t.Fatalf("index shard 0 holds %d entries, peak %d, after 12 sessions; want 12 and 12", len(index.m), index.peak)
	}
	if n, _ := st.Sweep(ctx, now.Add(time.Hour)); n != 2 || index.peak != 12 {
		t.Fatalf("a sweep of 2 of 12 sessions: swept %d, index peak %d; want 2 swept and the index's map kept (peak 12)", n, index.peak)
	}
	if n, _ := st.Sweep(ctx, now.Add(2*time.Hour)); n != 8 || len(index.m) != 2 || index.peak != 2 {
		t.Fatalf("a sweep leaving 2 of 12 sessions: swept %d, index holds %d, peak %d; want 8 swept and a map sized for 2 (peak 2)",
			n, len(index.m), index.peak)
	}
}
