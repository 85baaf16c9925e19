package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/internal/redistest"
	"github.com/appmaker/refresh-conformance/mock/redisstore"
	"github.com/appmaker/refresh-conformance/mock/session"
	"github.com/appmaker/refresh-conformance/mock/token"
)

// List and Reset reach every session however many SCAN batches they take: the console
// and the control plane list them all, and a reset leaves none behind, with more
// sessions than one batch (500) holds.
func TestListAndResetSeeEveryBatch(t *testing.T) {
	ctx, now := context.Background(), time.Now().UTC()
	st, _, _ := replicas(t, redisstore.Options{})
	const n = 1200
	for i := range n {
		s := session.Session{ID: fmt.Sprint("sess-", i), CreatedAt: now, ExpiresAt: now.Add(time.Hour),
			Generation: 1, Current: token.HashOf(fmt.Sprint("first-", i)), CurrentExpiresAt: now.Add(time.Hour),
			TokensExpireAt: now.Add(time.Hour)}
		if err := st.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	all, err := st.List(ctx)
	if err != nil || len(all) != n {
		t.Fatalf("List of %d sessions: %d, %v", n, len(all), err)
	}
	if err := st.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if all, err := st.List(ctx); err != nil || len(all) != 0 {
		t.Fatalf("List after Reset: %d sessions, %v; want none", len(all), err)
	}
}

// UpdateShared answers the value it wrote, or the value as it was when the change left it
// alone: the control plane answers POST /__mock/faults with it.
func TestSharedUpdateAnswersTheValueWritten(t *testing.T) {
	ctx := context.Background()
	a, _, _ := replicas(t, redisstore.Options{})
	got, err := a.UpdateShared(ctx, "rules", func([]byte) ([]byte, error) { return []byte("one"), nil })
	if err != nil || string(got) != "one" {
		t.Fatalf("first update: %q, %v; want \"one\"", got, err)
	}
	got, err = a.UpdateShared(ctx, "rules", func(old []byte) ([]byte, error) { return old, nil })
	if err != nil || string(got) != "one" {
		t.Fatalf("an update that changes nothing: %q, %v; want \"one\"", got, err)
	}
	got, err = a.UpdateShared(ctx, "rules", func(old []byte) ([]byte, error) { return append(old, " two"...), nil })
	if err != nil || string(got) != "one two" {
		t.Fatalf("second update: %q, %v; want \"one two\"", got, err)
	}
}

// A session's keys outlive its tokens by the slack asked for, DefaultSlack when none is.
func TestKeysOutliveTheTokensByTheSlack(t *testing.T) {
	for _, c := range []struct {
		asked, want time.Duration
	}{{0, redisstore.DefaultSlack}, {10 * time.Minute, 10 * time.Minute}} {
		t.Run(fmt.Sprint(c.asked), func(t *testing.T) {
			srv := redistest.Start(t)
			rdb := srv.Client(t)
			st := redisstore.New(rdb, redisstore.Options{Prefix: "p:", Slack: c.asked})
			now := time.Now().UTC()
			s, _ := newSession(t, st, now)
			ttl, err := rdb.PTTL(context.Background(), "p:session:"+s.ID).Result()
			if err != nil {
				t.Fatal(err)
			}
			// The tokens live 7 days from now; PTTL counts down from the write.
			if want := 7*24*time.Hour + c.want; ttl > want || ttl < want-10*time.Second {
				t.Errorf("slack %v asked: PTTL %v, want the tokens' 7 days plus %v", c.asked, ttl, c.want)
			}
		})
	}
}

// An index entry that no longer matches its session (read just before another replica
// rotated it, or left by a replica killed between two writes) finds nothing: the caller
// then tells reuse from forgery by the token's signature, as for any token not current.
func TestAStaleIndexEntryFindsNothing(t *testing.T) {
	ctx, now := context.Background(), time.Now().UTC()
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	st := redisstore.New(rdb, redisstore.Options{Prefix: "p:"})
	s, _ := newSession(t, st, now)
	stale := token.HashOf("a token this session no longer has")
	if err := rdb.Set(ctx, "p:current:"+fmt.Sprintf("%x", stale[:]), s.ID, time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := st.FindCurrent(ctx, stale); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("FindCurrent of a stale index entry: session %q, %v; want ErrNotFound", got.ID, err)
	}
}
