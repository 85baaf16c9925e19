package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock/session"
)

// waitLimit bounds the wait for racing callers: a store that deadlocks fails the case
// with what it waited for instead of hanging the test binary.
const waitLimit = 30 * time.Second

// waitWithin waits for wg for at most waitLimit, and says what it waited for if that ran out.
func waitWithin(wg *sync.WaitGroup, what string) error {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	timer := time.NewTimer(waitLimit)
	defer timer.Stop()
	select {
	case <-done:
		return nil
	case <-timer.C:
		return fmt.Errorf("waited %v for %s", waitLimit, what)
	}
}

// A fixture may leave its sub or its org empty; the other must not be lost with it, nor
// swapped into its place, when the session is stored, rotated and read back.
func testEmptySubOrOrg(t *testing.T, f *fixture) {
	for _, c := range []struct{ sub, org string }{{"", "org-1"}, {"user-1", ""}, {"", ""}} {
		s, _ := f.create()
		s.ID, s.Sub, s.Org, s.Current = s.ID+"-again", c.sub, c.org, f.hash("refresh-again")
		if err := f.st.Create(f.ctx, s); err != nil {
			t.Fatal(err)
		}
		same(t, fmt.Sprintf("sub %q, org %q read back", c.sub, c.org), f.get(s.ID), s)
		rotated := f.rotate(s.ID, f.rotation(s.Current, 1, time.Second, 0), session.Rotated)
		if got := f.get(s.ID); got.Sub != c.sub || got.Org != c.org || rotated.Sub != c.sub || rotated.Org != c.org {
			t.Fatalf("sub %q, org %q after a rotation: stored %q, %q; returned %q, %q", c.sub, c.org, got.Sub, got.Org, rotated.Sub, rotated.Org)
		}
	}
}

// An empty id names no session: the store answers ErrNotFound, as for any unknown id.
func testEmptyID(t *testing.T, f *fixture) {
	f.create()
	if _, err := f.st.Get(f.ctx, ""); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("Get(\"\"): %v, want ErrNotFound", err)
	}
	if _, _, err := f.st.Rotate(f.ctx, "", f.rotation(f.hash("x"), 1, 0, 0)); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("Rotate(\"\"): %v, want ErrNotFound", err)
	}
}
