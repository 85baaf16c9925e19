package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/appmaker/refresh-conformance/internal/redistest"
	"github.com/appmaker/refresh-conformance/mock/redisstore"
	"github.com/appmaker/refresh-conformance/mock/session"
	"github.com/appmaker/refresh-conformance/mock/session/storetest"
	"github.com/appmaker/refresh-conformance/mock/token"
)

// TestMain silences go-redis's own log of failed dials, which the outage tests provoke
// by the dozen: every failure they care about reaches them as an error.
func TestMain(m *testing.M) {
	redis.SetLogger(quiet{})
	os.Exit(m.Run())
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

func TestStore(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	// Each case under its own prefix, which also shows that prefixes keep stores apart.
	storetest.Run(t, func(t *testing.T) session.Store {
		return redisstore.New(rdb, redisstore.Options{Prefix: t.Name() + ":"})
	})
}

// replicas are two stores on one Redis with one prefix, each with its own connections:
// two mocks of one fleet.
func replicas(t *testing.T, o redisstore.Options) (a, b *redisstore.Store, srv *redistest.Server) {
	srv = redistest.Start(t)
	o.Prefix = "fleet:" + t.Name() + ":"
	return redisstore.New(srv.Client(t), o), redisstore.New(srv.Client(t), o), srv
}

// newSession is a session created through st with its first refresh token's hash.
func newSession(t *testing.T, st session.Store, now time.Time) (session.Session, token.Hash) {
	t.Helper()
	first := token.HashOf(t.Name() + "-first")
	s := session.Session{
		ID: "sess-" + t.Name(), Sub: "user-1", Org: "org-1", CreatedAt: now, ExpiresAt: now.Add(30 * 24 * time.Hour),
		Generation: 1, Current: first, CurrentExpiresAt: now.Add(7 * 24 * time.Hour), TokensExpireAt: now.Add(7 * 24 * time.Hour),
		AccessExpiresAt: now.Add(15 * time.Minute),
	}
	if err := st.Create(context.Background(), s); err != nil {
		t.Fatalf("Create: %v", err)
	}
	return s, first
}

func rotation(presented token.Hash, gen int, next string, now time.Time, grace time.Duration) session.Rotation {
	return session.Rotation{
		Presented: session.Presented{Hash: presented, Generation: gen, ExpiresAt: now.Add(7 * 24 * time.Hour)},
		Next: session.Next{Refresh: token.HashOf(next), RefreshExpiresAt: now.Add(7 * 24 * time.Hour).Truncate(time.Second),
			Access: token.HashOf(next + "-access"), AccessExpiresAt: now.Add(15 * time.Minute).Truncate(time.Second)},
		Now: now, Grace: grace,
	}
}

func TestReplicasSeeEachOthersRotations(t *testing.T) {
	ctx := context.Background()
	a, b, _ := replicas(t, redisstore.Options{})
	now := time.Now().UTC()
	s, first := newSession(t, a, now)

	r := rotation(first, 1, "second", now.Add(time.Second), 0)
	if _, out, err := b.Rotate(ctx, s.ID, r); err != nil || out != session.Rotated {
		t.Fatalf("rotate on replica b: %v, %v; want rotated", out, err)
	}
	if found, err := a.FindCurrent(ctx, r.Next.Refresh); err != nil || found.Generation != 2 {
		t.Fatalf("replica a does not find b's new token: %+v, %v", found, err)
	}
	if _, err := a.FindCurrent(ctx, first); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("replica a still finds the token b rotated: %v", err)
	}
	// RFC 6749 §10.4: the rotated token presented again, on the other replica, is reuse.
	got, out, err := a.Rotate(ctx, s.ID, rotation(first, 1, "third", now.Add(2*time.Second), 0))
	if err != nil || out != session.Reused || !got.Revoked() {
		t.Fatalf("replay on replica a: %v, %v, revoked %v; want reuse revoking the session", out, err, got.Revoked())
	}
	if seen, err := b.Get(ctx, s.ID); err != nil || !seen.Revoked() || seen.RevokedReason != session.RevokedReuse {
		t.Fatalf("replica b after a's reuse: revoked %v (%q), %v; want revoked for reuse", seen.Revoked(), seen.RevokedReason, err)
	}
	if _, out, _ := b.Rotate(ctx, s.ID, rotation(r.Next.Refresh, 2, "fourth", now.Add(3*time.Second), 0)); out != session.Revoked {
		t.Fatalf("the newest token on replica b after the reuse: %v, want revoked", out)
	}
}

// raceAcrossReplicas presents one current token storetest.Racers times at once, the
// racers alternating between the two replicas, each with a successor of its own.
func raceAcrossReplicas(t *testing.T, grace time.Duration) (map[session.Outcome]int, session.Session, token.Hash) {
	ctx := context.Background()
	a, b, _ := replicas(t, redisstore.Options{})
	now := time.Now().UTC()
	s, first := newSession(t, a, now)
	outcomes := make([]session.Outcome, storetest.Racers)
	errs := make([]error, storetest.Racers)
	rotations := make([]session.Rotation, storetest.Racers)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range storetest.Racers {
		st := map[bool]*redisstore.Store{true: a, false: b}[i%2 == 0]
		rotations[i] = rotation(first, 1, fmt.Sprintf("next-%d", i), now.Add(time.Second), grace)
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			_, outcomes[i], errs[i] = st.Rotate(ctx, s.ID, rotations[i])
		}()
	}
	start.Done()
	done.Wait()
	counts := map[session.Outcome]int{}
	var winner token.Hash
	for i, err := range errs {
		if err != nil {
			t.Fatalf("racer %d: %v", i, err)
		}
		counts[outcomes[i]]++
		if outcomes[i] == session.Rotated {
			winner = rotations[i].Next.Refresh
		}
	}
	final, err := b.Get(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	return counts, final, winner
}

func TestRaceAcrossReplicasHasOneWinner(t *testing.T) {
	counts, final, winner := raceAcrossReplicas(t, 0)
	if counts[session.Rotated] != 1 {
		t.Fatalf("outcomes %v: want exactly one rotation", counts)
	}
	if counts[session.Reused] < 1 || counts[session.Reused]+counts[session.Revoked] != storetest.Racers-1 {
		t.Fatalf("outcomes %v: every loser must be reuse or find the session revoked by it", counts)
	}
	if final.Current != winner || final.Generation != 2 || !final.Revoked() {
		t.Fatalf("final session: generation %d, revoked %v, current is the winner's: %v", final.Generation, final.Revoked(), final.Current == winner)
	}
}

func TestRaceAcrossReplicasWithGraceReplaysOneRotation(t *testing.T) {
	counts, final, winner := raceAcrossReplicas(t, time.Hour)
	if counts[session.Rotated] != 1 || counts[session.GraceReplay] != storetest.Racers-1 {
		t.Fatalf("outcomes %v: want one rotation and %d grace replays", counts, storetest.Racers-1)
	}
	if final.Current != winner || final.Generation != 2 || final.Revoked() {
		t.Fatalf("final session: generation %d, revoked %v", final.Generation, final.Revoked())
	}
}

func TestKeysLiveUnderThePrefixAsLongAsTheTokens(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	const slack = time.Minute
	st := redisstore.New(rdb, redisstore.Options{Prefix: "p:", Slack: slack})
	// The mock's clock ten days ahead of Redis's: lifetimes count from the mock's time of
	// each write, not from Redis's clock.
	now := time.Now().UTC().Add(10 * 24 * time.Hour)
	s, first := newSession(t, st, now)
	checkTTL := func(what string, want time.Duration) {
		t.Helper()
		for _, key := range []string{"p:session:" + s.ID, what} {
			ttl, err := rdb.PTTL(ctx, key).Result()
			if err != nil {
				t.Fatal(err)
			}
			// PTTL counts down from the write: allow for the time this test took since.
			if ttl > want || ttl < want-slack {
				t.Errorf("%s: PTTL %v, want the tokens' remaining lifetime plus slack, %v", key, ttl, want)
			}
		}
	}
	checkTTL("p:current:"+fmt.Sprintf("%x", first[:]), 7*24*time.Hour+slack)

	r := rotation(first, 1, "second", now.Add(time.Hour), 0)
	r.Next.RefreshExpiresAt = now.Add(2 * time.Hour)
	if _, out, err := st.Rotate(ctx, s.ID, r); err != nil || out != session.Rotated {
		t.Fatalf("Rotate: %v, %v", out, err)
	}
	checkTTL("p:current:"+fmt.Sprintf("%x", r.Next.Refresh[:]), time.Hour+slack)
	checkTTL("p:current:"+fmt.Sprintf("%x", r.Next.Access[:]), time.Hour+slack)
	if n, err := rdb.Exists(ctx, "p:current:"+fmt.Sprintf("%x", first[:])).Result(); err != nil || n != 0 {
		t.Errorf("the rotated token's index entry is still there (%d, %v)", n, err)
	}
	// A revocation does not move the tokens' exp, so it keeps the lifetime.
	if _, err := st.Revoke(ctx, s.ID, session.RevokedAdmin, now.Add(90*time.Minute)); err != nil {
		t.Fatal(err)
	}
	checkTTL("p:current:"+fmt.Sprintf("%x", r.Next.Refresh[:]), time.Hour+slack)

	keys, err := rdb.Keys(ctx, "*").Result() // a test's own Redis: KEYS is fine here
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 {
		t.Errorf("keys %q: want the session and the index entries of its current refresh and newest access token", keys)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, "p:") {
			t.Errorf("key %q outside the prefix", k)
		}
	}
}

func TestPrefixesKeepFleetsApart(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	// A prefix with SCAN's pattern characters must match only itself.
	star := redisstore.New(rdb, redisstore.Options{Prefix: "fleet*:"})
	other := redisstore.New(rdb, redisstore.Options{Prefix: "fleet-b:"})
	now := time.Now().UTC()
	newSession(t, star, now)
	kept, _ := newSession(t, other, now)
	if all, err := star.List(ctx); err != nil || len(all) != 1 {
		t.Fatalf("List of fleet*: %d sessions, %v; want its own one", len(all), err)
	}
	if err := star.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Get(ctx, kept.ID); err != nil {
		t.Fatalf("Reset of fleet* dropped fleet-b's session: %v", err)
	}
	if n, _ := star.Sweep(ctx, now.Add(365*24*time.Hour)); n != 0 {
		t.Fatalf("Sweep of the emptied fleet* removed %d", n)
	}
	if _, err := other.Get(ctx, kept.ID); err != nil {
		t.Fatalf("Sweep of fleet* dropped fleet-b's session: %v", err)
	}
}

// An outage is ErrUnavailable, never a verdict on a token, and the store recovers by
// itself when Redis is back.
func TestOutageIsUnavailableAndRecovers(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	// One dial and no retries per command, so that each of the calls below fails at once;
	// the fleet tests of cmd/appmaker-mock go through the same outage with Dial's defaults.
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, DialerRetries: 1, MaxRetries: -1})
	defer rdb.Close()
	st := redisstore.New(rdb, redisstore.Options{})
	now := time.Now().UTC()
	s, first := newSession(t, st, now)

	srv.Stop(t)
	check := func(op string, err error) {
		t.Helper()
		if !errors.Is(err, redisstore.ErrUnavailable) || errors.Is(err, session.ErrNotFound) {
			t.Errorf("%s while Redis is down: %v; want ErrUnavailable, not ErrNotFound", op, err)
		}
	}
	check("Ping", st.Ping(ctx))
	check("Create", st.Create(ctx, session.Session{ID: "new", Current: token.HashOf("x")}))
	_, err := st.Get(ctx, s.ID)
	check("Get", err)
	_, err = st.FindCurrent(ctx, first)
	check("FindCurrent", err)
	_, _, err = st.Rotate(ctx, s.ID, rotation(first, 1, "second", now.Add(time.Second), 0))
	check("Rotate", err)
	_, err = st.Revoke(ctx, s.ID, session.RevokedAdmin, now)
	check("Revoke", err)
	_, err = st.Expire(ctx, s.ID, session.PartAccess, now)
	check("Expire", err)
	_, err = st.List(ctx)
	check("List", err)
	_, err = st.Sweep(ctx, now)
	check("Sweep", err)
	check("Reset", st.Reset(ctx))

	srv.Restart(t)
	// go-redis stops dialling after a run of failed dials and probes once a second until
	// one succeeds: the store is back within a probe or two.
	deadline := time.Now().Add(15 * time.Second)
	for err := st.Ping(ctx); err != nil; err = st.Ping(ctx) {
		if time.Now().After(deadline) {
			t.Fatalf("the store did not answer PING within 15s of Redis coming back: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	got, out, err := st.Rotate(ctx, s.ID, rotation(first, 1, "second", now.Add(time.Second), 0))
	if err != nil || out != session.Rotated || got.Generation != 2 {
		t.Fatalf("Rotate after Redis came back: %v, %v; want the session kept and rotated", out, err)
	}
}

func TestDialErrorsNameTheAddressNotThePassword(t *testing.T) {
	srv := redistest.Start(t)
	srv.Stop(t) // a port nothing listens on any more
	ctx := context.Background()
	for _, tc := range []struct{ url, mention string }{
		{"redis://user:s3cret-pw@" + srv.Addr + "/0", srv.Addr},
		{"redis://user:s3cret-pw@localhost:notaport/0", "not a Redis URL"},
		{"http://user:s3cret-pw@localhost/0", "not a Redis URL"},
		// The URL is named as typed, its password masked, so a typo can be seen.
		{"http://user:s3cret-pw@localhost/0", "http://user:xxxxx@localhost/0"},
		{"redis://user:s3cret-pw@localhost/zero", "not a Redis URL"},
	} {
		st, err := redisstore.Dial(ctx, tc.url, redisstore.Options{})
		if err == nil {
			st.Close()
			t.Errorf("Dial(%s): no error", tc.mention)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "s3cret-pw") || !strings.Contains(msg, tc.mention) || strings.Contains(msg, "\n") {
			t.Errorf("Dial error %q: want one line mentioning %q, without the password", msg, tc.mention)
		}
	}
}

func TestDialConnects(t *testing.T) {
	srv := redistest.Start(t)
	st, err := redisstore.Dial(context.Background(), srv.URL(3), redisstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if st.Addr() != srv.Addr || st.Prefix() != redisstore.DefaultPrefix {
		t.Errorf("Addr %q, Prefix %q", st.Addr(), st.Prefix())
	}
	newSession(t, st, time.Now().UTC())
	if n, err := srv.Client(t).Do(context.Background(), "SELECT", 3).Result(); err != nil {
		t.Fatal(n, err)
	}
}
