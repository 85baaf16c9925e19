package mock_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock"
)

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func sessionID(i int) string {
	var raw [16]byte
	binary.LittleEndian.PutUint64(raw[:], uint64(i)*0x9e3779b97f4a7c15)
	binary.LittleEndian.PutUint64(raw[8:], uint64(i))
	return base64.RawURLEncoding.EncodeToString(raw[:])
}

// A swept session's memory goes back to the heap: a shared mock that serves CI load
// tests for weeks must not grow with every session it ever started.
func TestSweepReturnsTheMemoryOfExpiredSessions(t *testing.T) {
	const n = 50_000
	ctx := context.Background()
	clock := mock.NewFakeClock(epoch)
	store := mock.NewMemStore()
	before := liveHeap()
	for i := range n {
		now := clock.Now()
		s := mock.Session{ID: sessionID(i), Sub: "user-" + sessionID(i)[:8], Org: "org-" + sessionID(i)[8:16],
			CreatedAt: now, ExpiresAt: now.Add(mock.DefaultSessionTTL), Generation: 1,
			Current: mock.HashToken(sessionID(i)), CurrentExpiresAt: now.Add(mock.DefaultRefreshTTL),
			AccessExpiresAt: now.Add(mock.DefaultAccessTTL)}
		if err := store.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	full := liveHeap()
	added := int64(full) - int64(before)
	if added <= 0 {
		t.Fatalf("the store's %d sessions added no heap (%d → %d bytes)", n, before, full)
	}
	clock.Advance(mock.DefaultRefreshTTL - time.Nanosecond)
	if swept, _ := store.Sweep(ctx, clock.Now()); swept != 0 {
		t.Fatalf("swept %d sessions whose refresh tokens still work", swept)
	}
	clock.Advance(time.Nanosecond)
	if swept, _ := store.Sweep(ctx, clock.Now()); swept != n || store.Len() != 0 {
		t.Fatalf("swept %d of %d, %d left", swept, n, store.Len())
	}
	left := int64(liveHeap()) - int64(before)
	t.Logf("%d sessions added %d bytes (%d each); %d bytes left after the sweep", n, added, added/n, left)
	if left > added/2 {
		t.Errorf("after the sweep %d of the %d bytes the sessions added are still in use", left, added)
	}
	runtime.KeepAlive(store)
}

// Update keeps what fn changed, also when fn fails, and only that session changes.
func TestMemStoreUpdateKeepsChangesOnError(t *testing.T) {
	ctx := context.Background()
	store := mock.NewMemStore()
	a, b := mock.Session{ID: sessionID(1), Sub: "été", Org: "org"}, mock.Session{ID: sessionID(2), Sub: "s", Org: "o"}
	for _, s := range []mock.Session{a, b} {
		if err := store.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.Create(ctx, a); !errors.Is(err, mock.ErrSessionExists) {
		t.Fatalf("second Create: %v", err)
	}
	boom := errors.New("boom")
	got, err := store.Update(ctx, a.ID, func(s *mock.Session) error {
		s.Generation, s.Org, s.RevokedAt, s.RevokedReason = 9, "other-org", epoch, mock.RevokedReuse
		return boom
	})
	if !errors.Is(err, boom) || got.Generation != 9 {
		t.Fatalf("Update = %+v, %v", got, err)
	}
	stored, _ := store.Get(ctx, a.ID)
	if stored.Sub != "été" || stored.Org != "other-org" || stored.Generation != 9 || !stored.RevokedAt.Equal(epoch) || stored.RevokedReason != mock.RevokedReuse {
		t.Errorf("stored %+v", stored)
	}
	if other, _ := store.Get(ctx, b.ID); other.Sub != "s" || other.Org != "o" || other.Generation != 0 {
		t.Errorf("the other session changed: %+v", other)
	}
}
