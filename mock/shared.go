package mock

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// SharedState keeps small values where every replica of a fleet reads and changes them
// alike (mock/redisstore's Store is one). With WithSharedState, the clock offset and the
// fault rules set through any replica hold on all of them; without it they live in this
// process. Its errors wrap session.ErrUnavailable when it cannot be reached.
type SharedState interface {
	// Shared returns the value name, nil when it is unset.
	Shared(ctx context.Context, name string) ([]byte, error)
	// UpdateShared replaces the value name with what change makes of it (nil deletes it),
	// as one step against every other replica's update, and returns the value written.
	UpdateShared(ctx context.Context, name string, change func(old []byte) ([]byte, error)) ([]byte, error)
	// AddShared adds delta to the integer value name (0 when unset) and returns the sum,
	// as one step.
	AddShared(ctx context.Context, name string, delta int64) (int64, error)
}

// WithSharedState keeps the clock offset and the fault rules in st, for a fleet of mocks
// on one store (default: in this process).
func WithSharedState(st SharedState) Option { return func(cfg *config) { cfg.shared = st } }

// sharedReadTimeout bounds each read of the shared clock offset: Now cannot fail, and
// falls back to the offset it read last.
const sharedReadTimeout = 2 * time.Second

// sharedOffsetName is the shared value holding the clock offset, in nanoseconds.
const sharedOffsetName = "clock-offset"

// sharedClock is base plus an offset kept in a SharedState, read at every Now, so that a
// clock moved through one replica has moved for the next request on any other.
type sharedClock struct {
	base  Clock
	state SharedState
	last  atomic.Int64 // the offset read last, for when the state does not answer
}

// Now returns base's time plus the shared offset.
func (c *sharedClock) Now() time.Time {
	ctx, cancel := context.WithTimeout(context.Background(), sharedReadTimeout)
	defer cancel()
	if off, err := c.offset(ctx); err == nil {
		c.last.Store(int64(off))
	}
	return c.base.Now().Add(time.Duration(c.last.Load()))
}

func (c *sharedClock) offset(ctx context.Context) (time.Duration, error) {
	raw, err := c.state.Shared(ctx, sharedOffsetName)
	if err != nil || raw == nil {
		return 0, err
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("mock: the shared clock offset %q is not a number of nanoseconds", raw)
	}
	return time.Duration(n), nil
}

func (c *sharedClock) advance(ctx context.Context, d time.Duration) error {
	_, err := c.state.AddShared(ctx, sharedOffsetName, int64(d))
	return err
}

func (c *sharedClock) setOffset(ctx context.Context, d time.Duration) error {
	_, err := c.state.UpdateShared(ctx, sharedOffsetName, func([]byte) ([]byte, error) {
		return strconv.AppendInt(nil, int64(d), 10), nil
	})
	return err
}

// pinger is a store that can say whether it is reachable (mock/redisstore's Store).
type pinger interface {
	Ping(ctx context.Context) error
}

// writeHealth answers GET /healthz: 200, or 503 while the session store cannot be reached,
// so that a load balancer sends the fleet's traffic elsewhere until it is back.
func (s *Server) writeHealth(w http.ResponseWriter, r *http.Request) {
	if p, ok := s.store.(pinger); ok {
		if err := p.Ping(r.Context()); err != nil {
			w.Header().Set(HeaderError, CodeStoreUnavailable)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable",
				"reason": "the session store cannot be reached"})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
