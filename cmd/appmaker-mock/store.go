package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/mock/redisstore"
)

// storeMemory is the --store value that keeps sessions in this process.
const storeMemory = "memory"

// dialTimeout bounds the start-up check that a Redis store answers.
const dialTimeout = 10 * time.Second

// openStore turns --store into the options that put the sessions, the clock offset and
// the fault rules in a Redis shared by a fleet, and a function that closes it. The
// memory store needs neither.
func openStore(ctx context.Context, o *options, logger *slog.Logger) ([]mock.Option, func(), error) {
	if o.store == storeMemory {
		return nil, func() {}, nil
	}
	if o.signingKey == "" {
		return nil, nil, fmt.Errorf("--store is a Redis store: set --signing-key (or %sSIGNING_KEY) to one key for every replica, or the tokens of each replica, and those from before a restart, are refused by the others", envPrefix)
	}
	// go-redis logs its failed dials on its own; they belong in the mock's log.
	redis.SetLogger(redisLog{logger})
	dialCtx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	st, err := redisstore.Dial(dialCtx, o.store, redisstore.Options{Prefix: o.storePrefix})
	if err != nil {
		return nil, nil, fmt.Errorf("--store: %w", err)
	}
	return []mock.Option{mock.WithStore(st), mock.WithSharedState(st)}, func() { st.Close() }, nil
}

// describeStore is the start-up line's account of where the state lives.
func describeStore(o *options) string {
	if o.store == storeMemory {
		return "sessions in memory"
	}
	return fmt.Sprintf("sessions, clock and fault rules in Redis under %q, shared with every replica on it", o.storePrefix)
}

// redisLog writes go-redis's own messages (failed dials while Redis is down) as warnings.
type redisLog struct{ logger *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.logger.WarnContext(ctx, "redis", "message", fmt.Sprintf(format, v...))
}
