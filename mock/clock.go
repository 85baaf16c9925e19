package mock

import (
	"context"
	"sync"
	"time"
)

// Clock tells the mock what time it is. Every expiry, iat and exp follows it, so tests
// and the control plane can move time without sleeping.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// OffsetClock is a base clock shifted by an adjustable offset. The binary runs on one,
// so that a frontend's test can advance the mock's time over HTTP.
type OffsetClock struct {
	base   Clock
	mu     sync.RWMutex
	offset time.Duration
}

// NewOffsetClock shifts base by zero until told otherwise.
func NewOffsetClock(base Clock) *OffsetClock { return &OffsetClock{base: base} }

// Now returns the base time plus the offset.
func (c *OffsetClock) Now() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.base.Now().Add(c.offset)
}

// Advance moves the clock forward by d (backward when d is negative).
func (c *OffsetClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// SetOffset replaces the offset.
func (c *OffsetClock) SetOffset(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = d
}

// Offset returns the current offset.
func (c *OffsetClock) Offset() time.Duration {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.offset
}

// AdjustableClock is a clock the control plane can move (POST /__mock/clock). OffsetClock
// and FakeClock are; a plain Clock injected with WithClock is not.
type AdjustableClock interface {
	Clock
	Advance(d time.Duration)
	SetOffset(d time.Duration)
	Offset() time.Duration
}

var (
	_ AdjustableClock = (*OffsetClock)(nil)
	_ AdjustableClock = FakeClock{}
)

// FakeClock stands still until advanced: for tests.
type FakeClock struct{ *OffsetClock }

// NewFakeClock returns a clock stopped at start.
func NewFakeClock(start time.Time) FakeClock { return FakeClock{NewOffsetClock(fixed(start))} }

type fixed time.Time

func (f fixed) Now() time.Time { return time.Time(f) }

// runEvery calls fn every interval until stop is closed. It lives here because it is
// the one other place that reads the wall clock.
func runEvery(interval time.Duration, stop <-chan struct{}, fn func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			fn()
		}
	}
}

// stopwatch measures real elapsed time for the request log, whatever the mock's clock says.
func stopwatch() func() time.Duration {
	start := time.Now()
	return func() time.Duration { return time.Since(start) }
}

// waitReal waits d of real time, whatever the mock's clock says (injected latency is felt
// by the client). It ends early with ctx's error when ctx ends, and with nil when stop
// is closed.
func waitReal(ctx context.Context, d time.Duration, stop <-chan struct{}) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-stop:
		return nil
	case <-t.C:
		return nil
	}
}

// realDeadline is the wall-clock instant d from now, for connection deadlines.
func realDeadline(d time.Duration) time.Time { return time.Now().Add(d) }
