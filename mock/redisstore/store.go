package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/appmaker/refresh-conformance/mock/session"
	"github.com/appmaker/refresh-conformance/mock/token"
)

var _ session.Store = (*Store)(nil)

// Errors of the Redis store, next to session.ErrNotFound and session.ErrExists.
var (
	// ErrUnavailable is Redis not answering, or refusing a command: session.ErrUnavailable
	// itself, never session.ErrNotFound. A caller answers it "try again" (503), never as a
	// verdict on a token, which would log a user out because of an outage.
	ErrUnavailable = session.ErrUnavailable
	// ErrContention is a session that kept changing under other writers for every attempt
	// of one operation. It comes wrapped with ErrUnavailable: trying again later may work.
	ErrContention = errors.New("session kept changing under concurrent writers")
	// ErrCorrupt is a stored value this package cannot read.
	ErrCorrupt = errors.New("redisstore: stored session unreadable")
)

// Defaults of Options.
const (
	DefaultPrefix      = "appmaker-mock:"
	DefaultSlack       = time.Minute
	DefaultMaxAttempts = 32
)

// Options configures a Store. Zero values take the defaults.
type Options struct {
	// Prefix starts every key the store writes, so that several fleets share one Redis.
	Prefix string
	// Slack is added to every key's lifetime in Redis (see Store.expiry).
	Slack time.Duration
	// MaxAttempts bounds the optimistic transactions of one operation: each attempt that
	// finds its session changed by another writer between WATCH and EXEC tries again.
	MaxAttempts int
}

// Store is a session.Store in Redis. Keys, all under the prefix:
//
//	<prefix>session:<id>      the session, one JSON value (record.go)
//	<prefix>current:<hex>     the session id whose current refresh token, or newest access
//	                          token, has this SHA-256
//
// Each rule of package session (Rotate, Revoke, Expire) runs in Go inside one optimistic
// transaction: WATCH the session key, read it, apply the method, and MULTI/EXEC the
// session and the move of its index entry. A writer that lost the race to another
// replica sees EXEC fail and starts again from the read, so of any number of replicas
// presenting one token exactly one rotates, and the rules stay written once.
type Store struct {
	rdb         *redis.Client
	owned       bool // Close closes rdb: Dial made it
	prefix      string
	slack       time.Duration
	maxAttempts int
	// afterRead, when set (by this package's tests), runs between a transaction's read and
	// its EXEC: a window in which another writer can be made to change the session.
	afterRead func()
}

// New returns a Store on rdb, which the caller keeps and closes.
func New(rdb *redis.Client, o Options) *Store {
	st := &Store{rdb: rdb, prefix: o.Prefix, slack: o.Slack, maxAttempts: o.MaxAttempts}
	if st.prefix == "" {
		st.prefix = DefaultPrefix
	}
	if st.slack <= 0 {
		st.slack = DefaultSlack
	}
	if st.maxAttempts <= 0 {
		st.maxAttempts = DefaultMaxAttempts
	}
	return st
}

// Dial connects to the Redis at rawURL (redis://[user:password@]host:port/db, or rediss://
// for TLS) and checks that it answers. Its errors name the address, never the password.
func Dial(ctx context.Context, rawURL string, o Options) (*Store, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redisstore: %s is not a Redis URL (want redis://[user:password@]host:port/db, or rediss:// for TLS): %s",
			redactURL(rawURL), parseReason(err))
	}
	if opt.DialerRetries == 0 {
		// One dial per try (go-redis's default is five, 100 ms apart): each command is tried
		// again anyway (max_retries), and while Redis is down a caller is better answered
		// "unavailable" at once than after seconds. A dialer_retries in the URL wins.
		opt.DialerRetries = 1
	}
	st := New(redis.NewClient(opt), o)
	st.owned = true
	if err := st.Ping(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("redis at %s (db %d) does not answer: %w", opt.Addr, opt.DB, err)
	}
	return st, nil
}

// redactURL is rawURL with its password replaced, or nothing of it when it does not parse.
func redactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "the store URL"
	}
	return fmt.Sprintf("%q", u.Redacted())
}

// parseReason is why a URL did not parse, without the URL: url.Error quotes it whole,
// password included.
func parseReason(err error) string {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err.Error()
	}
	return err.Error()
}

// Addr is the address of the Redis the store talks to, for messages.
func (st *Store) Addr() string { return st.rdb.Options().Addr }

// Prefix is the prefix of every key the store writes.
func (st *Store) Prefix() string { return st.prefix }

// Client is the Redis client, for other state kept beside the sessions.
func (st *Store) Client() *redis.Client { return st.rdb }

// Ping reports whether Redis answers, as ErrUnavailable when it does not.
func (st *Store) Ping(ctx context.Context) error {
	return st.classify("ping", st.rdb.Ping(ctx).Err())
}

// Close closes the connection a Dial opened; a Store made by New leaves it to its owner.
func (st *Store) Close() error {
	if !st.owned {
		return nil
	}
	return st.rdb.Close()
}

func (st *Store) sessionKey(id string) string { return st.prefix + "session:" + id }

func (st *Store) currentKey(h token.Hash) string { return st.prefix + "current:" + hashText(h) }

// expiry is how long Redis keeps a session written at now, the mock's time of the write,
// and its index entry: until the exp of its newest token (Session.TokensExpireAt, when
// it becomes Sweepable), plus the slack. Redis sweeps what expired, by its own clock.
// The lifetime is sent relative (PX) rather than as an instant (PXAT) because the mock's
// clock need not agree with Redis's: POST /__mock/clock offsets it, by days if a test
// wants, and each replica's machine clock drifts a little from Redis's. Relative to the
// write, a session lives as long in Redis as its tokens do in the mock's time. Moving the
// mock's clock afterwards shifts the two: forward, Redis keeps a session the mock already
// counts as sweepable (Sweep drops it); backward by more than the slack, Redis drops a
// session whose tokens the mock still counts as alive, and they are answered as unknown.
func (st *Store) expiry(s *session.Session, now time.Time) redis.SetArgs {
	switch {
	case s.TokensExpireAt.IsZero():
		return redis.SetArgs{} // a session whose tokens never expire stays
	case now.IsZero():
		return redis.SetArgs{ExpireAt: s.TokensExpireAt.Add(st.slack)}
	default:
		return redis.SetArgs{TTL: max(s.TokensExpireAt.Sub(now), 0) + st.slack}
	}
}

// classify passes the store's verdicts through and reports everything else Redis said,
// or failed to say, as ErrUnavailable.
func (st *Store) classify(op string, err error) error {
	if err == nil || errors.Is(err, session.ErrNotFound) || errors.Is(err, session.ErrExists) || errors.Is(err, ErrCorrupt) {
		return err
	}
	return fmt.Errorf("redisstore: %w: %s: %w", ErrUnavailable, op, err)
}

// transact runs fn with keys watched until its EXEC goes through, fn fails, or
// MaxAttempts attempts each found the keys changed by another writer. If the connection
// breaks after EXEC was sent, Redis may have applied a write this reports as
// ErrUnavailable: no client can tell; the next read shows what happened.
func (st *Store) transact(ctx context.Context, op, id string, fn func(*redis.Tx) error, keys ...string) error {
	for range st.maxAttempts {
		err := st.rdb.Watch(ctx, fn, keys...)
		if !errors.Is(err, redis.TxFailedErr) {
			return st.classify(op, err)
		}
	}
	return fmt.Errorf("redisstore: %w: %s %q: %w (%d attempts)", ErrUnavailable, op, id, ErrContention, st.maxAttempts)
}

// read returns the session id as c sees it.
func (st *Store) read(ctx context.Context, c redis.Cmdable, id string) (session.Session, error) {
	data, err := c.Get(ctx, st.sessionKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return session.Session{}, fmt.Errorf("session %q: %w", id, session.ErrNotFound)
	}
	if err != nil {
		return session.Session{}, err
	}
	s, err := decode(data)
	if err != nil {
		return session.Session{}, fmt.Errorf("%w: session %q: %w", ErrCorrupt, id, err)
	}
	return s, nil
}

// Create implements session.Store.
func (st *Store) Create(ctx context.Context, s session.Session) error {
	if s.ID == "" {
		return fmt.Errorf("redisstore: create: empty session id")
	}
	value, err := encode(&s)
	if err != nil {
		return fmt.Errorf("redisstore: encode session %q: %w", s.ID, err)
	}
	key := st.sessionKey(s.ID)
	return st.transact(ctx, "create", s.ID, func(tx *redis.Tx) error {
		n, err := tx.Exists(ctx, key).Result()
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("session %q: %w", s.ID, session.ErrExists)
		}
		// The session's creation is the mock's time of this write.
		life := st.expiry(&s, s.CreatedAt)
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.SetArgs(ctx, key, value, life)
			p.SetArgs(ctx, st.currentKey(s.Current), s.ID, life)
			if !s.Access.IsZero() {
				p.SetArgs(ctx, st.currentKey(s.Access), s.ID, life)
			}
			return nil
		})
		return err
	}, key)
}

// Get implements session.Store.
func (st *Store) Get(ctx context.Context, id string) (session.Session, error) {
	s, err := st.read(ctx, st.rdb, id)
	return s, st.classify("get", err)
}

// FindCurrent implements session.Store.
func (st *Store) FindCurrent(ctx context.Context, h token.Hash) (session.Session, error) {
	id, err := st.rdb.Get(ctx, st.currentKey(h)).Result()
	if errors.Is(err, redis.Nil) {
		return session.Session{}, session.ErrNotFound
	}
	if err != nil {
		return session.Session{}, st.classify("find", err)
	}
	s, err := st.Get(ctx, id)
	if errors.Is(err, session.ErrNotFound) || (err == nil && s.Current != h && s.Access != h) {
		return session.Session{}, session.ErrNotFound // rotated or dropped since the index was read
	}
	return s, err
}

// update applies rule to the session id in one transaction at now, the mock's time, and
// writes it back, with its index entry moved, when the rule changed it.
func (st *Store) update(ctx context.Context, op, id string, now time.Time, rule func(*session.Session)) (session.Session, error) {
	key := st.sessionKey(id)
	var out session.Session
	err := st.transact(ctx, op, id, func(tx *redis.Tx) error {
		s, err := st.read(ctx, tx, id)
		if err != nil {
			return err
		}
		if st.afterRead != nil {
			st.afterRead()
		}
		before := s
		stored, _ := encode(&before)
		rule(&s)
		value, err := encode(&s)
		if err != nil {
			return fmt.Errorf("redisstore: encode session %q: %w", id, err)
		}
		if string(value) == string(stored) {
			out = s // unchanged: the read was the answer, nothing to write
			return nil
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			life := redis.SetArgs{KeepTTL: true}
			if !s.TokensExpireAt.Equal(before.TokensExpireAt) {
				life = st.expiry(&s, now)
			}
			p.SetArgs(ctx, key, value, life)
			st.reindex(ctx, p, id, before.Current, s.Current, st.expiry(&s, now))
			st.reindex(ctx, p, id, before.Access, s.Access, st.expiry(&s, now))
			return nil
		})
		if err == nil {
			out = s
		}
		return err
	}, key)
	return out, err
}

// reindex moves id's index entry from the hash was to the hash is. Only this session ever
// had either token, so the old entry is dropped without being compared.
func (st *Store) reindex(ctx context.Context, p redis.Pipeliner, id string, was, is token.Hash, life redis.SetArgs) {
	if was == is {
		return
	}
	if !was.IsZero() {
		p.Del(ctx, st.currentKey(was))
	}
	if !is.IsZero() {
		p.SetArgs(ctx, st.currentKey(is), id, life)
	}
}

// Rotate implements session.Store.
func (st *Store) Rotate(ctx context.Context, id string, r session.Rotation) (session.Session, session.Outcome, error) {
	var out session.Outcome
	s, err := st.update(ctx, "rotate", id, r.Now, func(s *session.Session) { out = s.Rotate(r) })
	if err != nil {
		return session.Session{}, 0, err
	}
	return s, out, nil
}

// Revoke implements session.Store.
func (st *Store) Revoke(ctx context.Context, id, reason string, now time.Time) (session.Session, error) {
	return st.update(ctx, "revoke", id, now, func(s *session.Session) { s.Revoke(reason, now) })
}

// Expire implements session.Store.
func (st *Store) Expire(ctx context.Context, id string, part session.Part, now time.Time) (session.Session, error) {
	return st.update(ctx, "expire", id, now, func(s *session.Session) { s.Expire(part, now) })
}

// globEscape quotes the characters SCAN's MATCH pattern gives a meaning, so that a prefix
// matches only itself.
func globEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`).Replace(s)
}
