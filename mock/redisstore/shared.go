package redisstore

import (
	"bytes"
	"context"
	"errors"

	"github.com/redis/go-redis/v9"
)

// The control plane's state that every replica of a fleet must see alike (the clock
// offset, the fault rules) lives beside the sessions as small shared values, one key each
// at <prefix>shared:<name>. Their meaning stays with the mock: the store reads them and
// changes them as one step, like the sessions.

func (st *Store) sharedKey(name string) string { return st.prefix + "shared:" + name }

// Shared returns the value name, nil when it was never set or was deleted.
func (st *Store) Shared(ctx context.Context, name string) ([]byte, error) {
	v, err := st.rdb.Get(ctx, st.sharedKey(name)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return v, st.classify("read "+name, err)
}

// AddShared adds delta to the integer value name (0 when unset) and returns the sum, as one
// step without retries: a count that every replica consumes.
func (st *Store) AddShared(ctx context.Context, name string, delta int64) (int64, error) {
	n, err := st.rdb.IncrBy(ctx, st.sharedKey(name), delta).Result()
	return n, st.classify("add to "+name, err)
}

// UpdateShared replaces the value name with what change makes of it (old is nil when
// unset; a nil result deletes it), as one step against every other replica's update: a
// change that raced another is run again on the value the other left. It returns the
// value written.
func (st *Store) UpdateShared(ctx context.Context, name string, change func(old []byte) ([]byte, error)) ([]byte, error) {
	key := st.sharedKey(name)
	var out []byte
	err := st.transact(ctx, "update "+name, name, func(tx *redis.Tx) error {
		old, err := tx.Get(ctx, key).Bytes()
		if errors.Is(err, redis.Nil) {
			old = nil
		} else if err != nil {
			return err
		}
		if st.afterRead != nil {
			st.afterRead()
		}
		next, err := change(old)
		if err != nil {
			return &changeError{err}
		}
		if bytes.Equal(next, old) && (next == nil) == (old == nil) {
			out = old // unchanged: nothing to write, and nothing for other writers to retry
			return nil
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			if next == nil {
				p.Del(ctx, key)
			} else {
				p.Set(ctx, key, next, 0)
			}
			return nil
		})
		if err == nil {
			out = next
		}
		return err
	}, key)
	if ce, ok := errors.AsType[*changeError](err); ok {
		return nil, ce.err
	}
	return out, err
}

// changeError carries an error of UpdateShared's change function past classify, which
// would report it as Redis's.
type changeError struct{ err error }

func (e *changeError) Error() string { return e.err.Error() }
