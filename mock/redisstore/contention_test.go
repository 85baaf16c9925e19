package redisstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/internal/redistest"
	"github.com/appmaker/refresh-conformance/mock/session"
	"github.com/appmaker/refresh-conformance/mock/token"
)

// A session that another writer changes between every read and EXEC gives up after
// MaxAttempts with ErrContention, as ErrUnavailable, and keeps nothing.
func TestContentionIsBounded(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	const attempts = 3
	st := New(rdb, Options{Prefix: "c:", MaxAttempts: attempts})
	now := time.Now().UTC()
	first := token.HashOf("first")
	s := session.Session{ID: "s1", CreatedAt: now, ExpiresAt: now.Add(time.Hour), Generation: 1, Current: first,
		CurrentExpiresAt: now.Add(time.Hour), TokensExpireAt: now.Add(time.Hour)}
	if err := st.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	interfered := 0
	st.afterRead = func() {
		interfered++
		// Any write to a watched key fails the EXEC, even one that leaves its value as it was.
		if err := rdb.Do(ctx, "PERSIST", st.sessionKey(s.ID)).Err(); err != nil {
			t.Error(err)
		}
		if err := rdb.PExpire(ctx, st.sessionKey(s.ID), time.Hour).Err(); err != nil {
			t.Error(err)
		}
	}
	r := session.Rotation{Presented: session.Presented{Hash: first, Generation: 1},
		Next: session.Next{Refresh: token.HashOf("second"), RefreshExpiresAt: now.Add(time.Hour)}, Now: now}
	_, _, err := st.Rotate(ctx, s.ID, r)
	if !errors.Is(err, ErrContention) || !errors.Is(err, ErrUnavailable) || interfered != attempts {
		t.Fatalf("Rotate under constant interference: %v after %d attempts; want ErrContention (and ErrUnavailable) after %d", err, interfered, attempts)
	}
	st.afterRead = nil
	if got, err := st.Get(ctx, s.ID); err != nil || got.Generation != 1 || got.Current != first {
		t.Fatalf("after giving up: generation %d, %v; want the session as it was", got.Generation, err)
	}
}
