package redisstore

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/appmaker/refresh-conformance/mock/session"
)

// scanBatch is the COUNT hint of each SCAN call and so about the size of each MGET or
// UNLINK that follows it.
const scanBatch = 500

// scan calls each with the keys matching pattern, a batch at a time. SCAN, never KEYS:
// KEYS blocks every other client of the Redis until it has walked the whole key space.
// SCAN may return a key twice, and misses keys written while it runs.
func (st *Store) scan(ctx context.Context, pattern string, each func(keys []string) error) error {
	var cursor uint64
	for {
		keys, next, err := st.rdb.Scan(ctx, cursor, pattern, scanBatch).Result()
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			if err := each(keys); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// sessions calls each with the sessions under the prefix, each once, a batch at a time.
func (st *Store) sessions(ctx context.Context, each func([]session.Session) error) error {
	seen := map[string]bool{}
	return st.scan(ctx, globEscape(st.prefix)+"session:*", func(keys []string) error {
		values, err := st.rdb.MGet(ctx, keys...).Result()
		if err != nil {
			return err
		}
		batch := make([]session.Session, 0, len(values))
		for i, v := range values {
			data, ok := v.(string)
			id := strings.TrimPrefix(keys[i], st.prefix+"session:")
			if !ok || seen[id] { // expired or dropped since the SCAN, or seen in an earlier batch
				continue
			}
			seen[id] = true
			s, err := decode([]byte(data))
			if err != nil {
				return errors.Join(ErrCorrupt, err)
			}
			batch = append(batch, s)
		}
		return each(batch)
	})
}

// List implements session.Store. A session written while it runs may or may not be in it.
func (st *Store) List(ctx context.Context) ([]session.Session, error) {
	var all []session.Session
	err := st.sessions(ctx, func(batch []session.Session) error {
		all = append(all, batch...)
		return nil
	})
	return all, st.classify("list", err)
}

// Sweep implements session.Store. Redis itself drops each session when its tokens are
// past exp by Redis's clock (see expiry), so in a mock whose clock runs with Redis's
// there is nothing left for it to do. It still walks the sessions, because the mock's
// clock may be ahead of Redis's (POST /__mock/clock): the sessions Sweepable by the
// mock's now go, each in its own transaction that checks again before it deletes.
func (st *Store) Sweep(ctx context.Context, now time.Time) (int, error) {
	removed := 0
	err := st.sessions(ctx, func(batch []session.Session) error {
		for _, s := range batch {
			if !s.Sweepable(now) {
				continue
			}
			dropped, err := st.drop(ctx, s.ID, now)
			if err != nil {
				return err
			}
			if dropped {
				removed++
			}
		}
		return nil
	})
	return removed, st.classify("sweep", err)
}

// drop deletes the session id and its index entry if it is still Sweepable at now.
func (st *Store) drop(ctx context.Context, id string, now time.Time) (bool, error) {
	key := st.sessionKey(id)
	dropped := false
	err := st.transact(ctx, "sweep", id, func(tx *redis.Tx) error {
		s, err := st.read(ctx, tx, id)
		if errors.Is(err, session.ErrNotFound) {
			return nil // gone by itself, or swept by another replica
		}
		if err != nil || !s.Sweepable(now) {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Del(ctx, key, st.currentKey(s.Current))
			if !s.Access.IsZero() {
				p.Del(ctx, st.currentKey(s.Access))
			}
			return nil
		})
		dropped = err == nil
		return err
	}, key)
	return dropped, err
}

// Reset implements session.Store: it unlinks every session and index key under the
// prefix, and nothing else. It walks the keys, so a session created while it runs may
// survive it.
func (st *Store) Reset(ctx context.Context) error {
	unlink := func(keys []string) error { return st.rdb.Unlink(ctx, keys...).Err() }
	for _, kind := range []string{"session:*", "current:*"} {
		if err := st.scan(ctx, globEscape(st.prefix)+kind, unlink); err != nil {
			return st.classify("reset", err)
		}
	}
	return nil
}
