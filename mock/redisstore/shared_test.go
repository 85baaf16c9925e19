package redisstore_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/appmaker/refresh-conformance/mock/redisstore"
)

// Updates of a shared value from two replicas at once each take effect exactly once: a
// fault rule's count consumed on every replica goes down by one per request.
func TestSharedUpdatesFromTwoReplicasAllLand(t *testing.T) {
	ctx := context.Background()
	const n = 64
	// All n racing at once, one may lose to every other: n attempts always suffice.
	a, b, _ := replicas(t, redisstore.Options{MaxAttempts: n})
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		st := map[bool]*redisstore.Store{true: a, false: b}[i%2 == 0]
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = st.UpdateShared(ctx, "counter", func(old []byte) ([]byte, error) {
				v, _ := strconv.Atoi(string(old)) // unset reads as 0
				return []byte(strconv.Itoa(v + 1)), nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	if got, err := b.Shared(ctx, "counter"); err != nil || string(got) != strconv.Itoa(n) {
		t.Fatalf("counter after %d updates over two replicas: %q, %v", n, got, err)
	}
}

func TestSharedUpdateKeepsNothingOnError(t *testing.T) {
	ctx := context.Background()
	a, b, _ := replicas(t, redisstore.Options{})
	if v, err := a.Shared(ctx, "rules"); v != nil || err != nil {
		t.Fatalf("unset value: %q, %v; want nil, nil", v, err)
	}
	if _, err := a.UpdateShared(ctx, "rules", func([]byte) ([]byte, error) { return []byte("one"), nil }); err != nil {
		t.Fatal(err)
	}
	refused := errors.New("refused by the caller")
	_, err := b.UpdateShared(ctx, "rules", func([]byte) ([]byte, error) { return []byte("two"), refused })
	if !errors.Is(err, refused) || errors.Is(err, redisstore.ErrUnavailable) {
		t.Fatalf("a change that fails: %v; want its own error, not ErrUnavailable", err)
	}
	if v, _ := a.Shared(ctx, "rules"); string(v) != "one" {
		t.Fatalf("after a failed change: %q, want the value before it", v)
	}
	if _, err := b.UpdateShared(ctx, "rules", func([]byte) ([]byte, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if v, err := a.Shared(ctx, "rules"); v != nil || err != nil {
		t.Fatalf("after deleting: %q, %v", v, err)
	}
	// Reset drops sessions, not the control plane's shared values.
	a.UpdateShared(ctx, "rules", func([]byte) ([]byte, error) { return []byte("kept"), nil })
	if err := a.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if v, _ := b.Shared(ctx, "rules"); string(v) != "kept" {
		t.Fatalf("after Reset: %q, want the shared value kept", v)
	}
}

func TestAddSharedCountsEveryReplicasAdditions(t *testing.T) {
	ctx := context.Background()
	a, b, _ := replicas(t, redisstore.Options{})
	var wg sync.WaitGroup
	for i := range 64 {
		st := map[bool]*redisstore.Store{true: a, false: b}[i%2 == 0]
		wg.Go(func() {
			if _, err := st.AddShared(ctx, "taken", 1); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, err := a.Shared(ctx, "taken"); err != nil || string(got) != "64" {
		t.Fatalf("after 64 additions over two replicas: %q, %v", got, err)
	}
}
