// Package storetest is the behaviour every session.Store must show, written once as a
// table of tests. An implementation's test calls Run with a constructor of empty stores;
// the table covers each operation, that a failed operation keeps nothing, and a 64-way
// race on one token with exactly one winner.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock/session"
	"github.com/appmaker/refresh-conformance/mock/token"
)

// Racers is how many callers present one token at once in the race cases.
const Racers = 64

// Run runs the behaviour table against stores made by newStore, which returns an empty
// store for each case and cleans it up through t.
func Run(t *testing.T, newStore func(t *testing.T) session.Store) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.run(t, &fixture{t: t, ctx: context.Background(), st: newStore(t), now: time.Now().UTC().Truncate(time.Millisecond)})
		})
	}
}

var cases = []struct {
	name string
	run  func(t *testing.T, f *fixture)
}{
	{"a created session reads back whole", testCreateGet},
	{"a session with an empty sub or org reads back whole, after rotations too", testEmptySubOrOrg},
	{"an id is created once", testCreateTwice},
	{"an unknown id is not found", testNotFound},
	{"an empty id is not found", testEmptyID},
	{"a session is found by the hashes of its current refresh and newest access token only", testFindCurrent},
	{"rotating the current token installs the next generation", testRotate},
	{"the just-rotated token inside the grace window is a replay and changes nothing", testGraceReplay},
	{"a rotated token outside the grace window is reuse and revokes the session", testReuse},
	{"an older generation is reuse even inside the grace window", testOlderGeneration},
	{"a racer whose clock read came before the winning rotation's is reuse without a grace window", testEarlierRacer},
	{"a revoked session refuses every token and keeps nothing", testRevokedRefuses},
	{"an expired session or token refuses rotation and keeps nothing", testExpiredRefuses},
	{"a later generation than the session issued is foreign and keeps nothing", testForeign},
	{"operations on an unknown id fail with ErrNotFound and create nothing", testUnknownID},
	{"revoking keeps the first reason", testRevoke},
	{"expiring a part brings only its end forward", testExpire},
	{"list returns every session", testList},
	{"sweep drops exactly the sessions whose tokens are all past exp", testSweep},
	{"reset drops everything", testReset},
	{"64 callers racing one current token: exactly one rotates, the rest are reuse", testRaceNoGrace},
	{"64 callers racing one current token with a grace window: one rotates, the rest replay", testRaceGrace},
}

type fixture struct {
	t   *testing.T
	ctx context.Context
	st  session.Store
	now time.Time
	n   int
}

// hash makes a distinct token hash for a test.
func (f *fixture) hash(label string) token.Hash {
	return token.HashOf(fmt.Sprintf("%s-%s-%d", f.t.Name(), label, f.n))
}

// create stores a new session whose first refresh token hashes to the returned hash.
func (f *fixture) create() (session.Session, token.Hash) {
	f.t.Helper()
	f.n++
	first := f.hash("refresh-1")
	s := session.Session{
		ID: fmt.Sprintf("sess-%d-%d", f.n, f.now.UnixNano()), Sub: "user-1", Org: "org-1",
		CreatedAt: f.now, ExpiresAt: f.now.Add(30 * 24 * time.Hour), Generation: 1,
		Current: first, CurrentExpiresAt: f.now.Add(7 * 24 * time.Hour), TokensExpireAt: f.now.Add(7 * 24 * time.Hour),
		Access: f.hash("access-1"), AccessExpiresAt: f.now.Add(15 * time.Minute),
	}
	if err := f.st.Create(f.ctx, s); err != nil {
		f.t.Fatalf("Create: %v", err)
	}
	return s, first
}

// rotation presents the token with hash h, of generation gen, at f.now+after.
func (f *fixture) rotation(h token.Hash, gen int, after, grace time.Duration) session.Rotation {
	f.n++
	at := f.now.Add(after)
	return session.Rotation{
		Presented: session.Presented{Hash: h, Generation: gen, ExpiresAt: f.now.Add(7 * 24 * time.Hour)},
		Next: session.Next{Refresh: f.hash("next"), RefreshExpiresAt: at.Add(7 * 24 * time.Hour).Truncate(time.Second),
			Access: f.hash("access"), AccessExpiresAt: at.Add(15 * time.Minute).Truncate(time.Second)},
		Now: at, Grace: grace,
	}
}

func (f *fixture) rotate(id string, r session.Rotation, want session.Outcome) session.Session {
	f.t.Helper()
	s, got, err := f.st.Rotate(f.ctx, id, r)
	if err != nil {
		f.t.Fatalf("Rotate: %v", err)
	}
	if got != want {
		f.t.Fatalf("Rotate: outcome %v, want %v", got, want)
	}
	return s
}

func (f *fixture) get(id string) session.Session {
	f.t.Helper()
	s, err := f.st.Get(f.ctx, id)
	if err != nil {
		f.t.Fatalf("Get(%s): %v", id, err)
	}
	return s
}

// same fails unless a and b are the same session, times compared as instants.
func same(t *testing.T, what string, got, want session.Session) {
	t.Helper()
	type flat struct {
		ID, Sub, Org, Reason                                       string
		Gen                                                        int
		Current, Previous, AccessHash                              token.Hash
		Created, Expires, CurExp, Tokens, Rotated, Access, Revoked int64
	}
	f := func(s session.Session) flat {
		n := func(t time.Time) int64 {
			if t.IsZero() {
				return 0
			}
			return t.UnixNano()
		}
		return flat{s.ID, s.Sub, s.Org, s.RevokedReason, s.Generation, s.Current, s.Previous, s.Access,
			n(s.CreatedAt), n(s.ExpiresAt), n(s.CurrentExpiresAt), n(s.TokensExpireAt), n(s.RotatedAt), n(s.AccessExpiresAt), n(s.RevokedAt)}
	}
	if f(got) != f(want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

func testCreateGet(t *testing.T, f *fixture) {
	s, _ := f.create()
	same(t, "Get after Create", f.get(s.ID), s)
}

func testCreateTwice(t *testing.T, f *fixture) {
	s, _ := f.create()
	other := s
	other.Sub = "someone-else"
	if err := f.st.Create(f.ctx, other); !errors.Is(err, session.ErrExists) {
		t.Fatalf("Create of a taken id: %v, want ErrExists", err)
	}
	same(t, "the first session", f.get(s.ID), s)
}

func testNotFound(t *testing.T, f *fixture) {
	if _, err := f.st.Get(f.ctx, "no-such-session"); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Get: %v, want ErrNotFound", err)
	}
	if _, err := f.st.FindCurrent(f.ctx, f.hash("nothing")); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("FindCurrent: %v, want ErrNotFound", err)
	}
}

func testFindCurrent(t *testing.T, f *fixture) {
	s, first := f.create()
	found, err := f.st.FindCurrent(f.ctx, first)
	if err != nil {
		t.Fatalf("FindCurrent(first): %v", err)
	}
	same(t, "FindCurrent", found, s)
	r := f.rotation(first, 1, time.Second, 0)
	f.rotate(s.ID, r, session.Rotated)
	if _, err := f.st.FindCurrent(f.ctx, first); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("FindCurrent(rotated token): %v, want ErrNotFound", err)
	}
	if found, err = f.st.FindCurrent(f.ctx, r.Next.Refresh); err != nil || found.ID != s.ID || found.Generation != 2 {
		t.Fatalf("FindCurrent(next): %+v, %v", found, err)
	}
	if found, err = f.st.FindCurrent(f.ctx, r.Next.Access); err != nil || found.ID != s.ID || found.Access != r.Next.Access {
		t.Fatalf("FindCurrent(newest access token): %+v, %v", found, err)
	}
	if _, err := f.st.FindCurrent(f.ctx, s.Access); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("FindCurrent(replaced access token): %v, want ErrNotFound", err)
	}
}

func testRotate(t *testing.T, f *fixture) {
	s, first := f.create()
	r := f.rotation(first, 1, time.Minute, 0)
	got := f.rotate(s.ID, r, session.Rotated)
	want := s
	want.Generation, want.Previous, want.Current, want.Access, want.RotatedAt = 2, first, r.Next.Refresh, r.Next.Access, r.Now
	want.CurrentExpiresAt, want.TokensExpireAt, want.AccessExpiresAt = r.Next.RefreshExpiresAt, r.Next.RefreshExpiresAt, r.Next.AccessExpiresAt
	same(t, "returned by Rotate", got, want)
	same(t, "stored after Rotate", f.get(s.ID), want)
}

func testGraceReplay(t *testing.T, f *fixture) {
	s, first := f.create()
	f.rotate(s.ID, f.rotation(first, 1, time.Second, 2*time.Second), session.Rotated)
	after := f.get(s.ID)
	got := f.rotate(s.ID, f.rotation(first, 1, 2*time.Second, 2*time.Second), session.GraceReplay)
	same(t, "returned by the replay", got, after)
	same(t, "stored after the replay", f.get(s.ID), after)
}

func testReuse(t *testing.T, f *fixture) {
	s, first := f.create()
	f.rotate(s.ID, f.rotation(first, 1, time.Second, 2*time.Second), session.Rotated)
	// Exactly at the end of the window it is reuse.
	r := f.rotation(first, 1, 3*time.Second, 2*time.Second)
	got := f.rotate(s.ID, r, session.Reused)
	if !got.Revoked() || got.RevokedReason != session.RevokedReuse || !got.RevokedAt.Equal(r.Now) {
		t.Fatalf("after reuse: revoked %v reason %q at %v, want revoked for reuse at %v", got.Revoked(), got.RevokedReason, got.RevokedAt, r.Now)
	}
	same(t, "stored after reuse", f.get(s.ID), got)
}

func testOlderGeneration(t *testing.T, f *fixture) {
	s, first := f.create()
	r2 := f.rotation(first, 1, time.Second, time.Hour)
	f.rotate(s.ID, r2, session.Rotated)
	f.rotate(s.ID, f.rotation(r2.Next.Refresh, 2, 2*time.Second, time.Hour), session.Rotated)
	// first is two generations back: not the racing twin of the last rotation.
	got := f.rotate(s.ID, f.rotation(first, 1, 3*time.Second, time.Hour), session.Reused)
	if !got.Revoked() {
		t.Fatal("a token two generations old did not revoke the session")
	}
}

func testEarlierRacer(t *testing.T, f *fixture) {
	s, first := f.create()
	// The loser read the clock at 1s, the winner at 2s, and the winner reached the store first.
	f.rotate(s.ID, f.rotation(first, 1, 2*time.Second, 0), session.Rotated)
	got := f.rotate(s.ID, f.rotation(first, 1, time.Second, 0), session.Reused)
	if !got.Revoked() {
		t.Fatal("the earlier racer's reuse did not revoke the session")
	}
	// With a window, the same earlier racer is the winner's twin.
	s, first = f.create()
	f.rotate(s.ID, f.rotation(first, 1, 2*time.Second, time.Second), session.Rotated)
	f.rotate(s.ID, f.rotation(first, 1, time.Second, time.Second), session.GraceReplay)
}

func testRevokedRefuses(t *testing.T, f *fixture) {
	s, first := f.create()
	revoked, err := f.st.Revoke(f.ctx, s.ID, session.RevokedAdmin, f.now.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	got := f.rotate(s.ID, f.rotation(first, 1, 2*time.Second, 0), session.Revoked)
	same(t, "returned after refusing", got, revoked)
	same(t, "stored after refusing", f.get(s.ID), revoked)
	if found, err := f.st.FindCurrent(f.ctx, first); err != nil || found.ID != s.ID {
		t.Fatalf("FindCurrent of a revoked session's token: %v (it is still the current token)", err)
	}
}

func testExpiredRefuses(t *testing.T, f *fixture) {
	s, first := f.create()
	// The presented token past its own exp.
	r := f.rotation(first, 1, time.Hour, 0)
	r.Presented.ExpiresAt = f.now.Add(time.Hour)
	f.rotate(s.ID, r, session.Expired)
	// The session past its absolute end.
	f.rotate(s.ID, f.rotation(first, 1, 31*24*time.Hour, 0), session.Expired)
	// The current token brought forward by the control plane.
	if _, err := f.st.Expire(f.ctx, s.ID, session.PartRefresh, f.now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	expired := f.get(s.ID)
	f.rotate(s.ID, f.rotation(first, 1, 2*time.Minute, 0), session.Expired)
	same(t, "stored after refusing", f.get(s.ID), expired)
	if expired.Generation != 1 || expired.Revoked() {
		t.Fatalf("an expired rotation changed the session: %+v", expired)
	}
}

func testForeign(t *testing.T, f *fixture) {
	s, _ := f.create()
	f.rotate(s.ID, f.rotation(f.hash("from another run"), 5, time.Second, 0), session.Foreign)
	same(t, "stored after a foreign token", f.get(s.ID), s)
}

func testUnknownID(t *testing.T, f *fixture) {
	const id = "no-such-session"
	if _, _, err := f.st.Rotate(f.ctx, id, f.rotation(f.hash("x"), 1, 0, 0)); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("Rotate: %v", err)
	}
	if _, err := f.st.Revoke(f.ctx, id, session.RevokedAdmin, f.now); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("Revoke: %v", err)
	}
	if _, err := f.st.Expire(f.ctx, id, session.PartSession, f.now); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("Expire: %v", err)
	}
	if all, err := f.st.List(f.ctx); err != nil || len(all) != 0 {
		t.Errorf("List after failed operations: %d sessions, %v", len(all), err)
	}
}

func testRevoke(t *testing.T, f *fixture) {
	s, _ := f.create()
	first, err := f.st.Revoke(f.ctx, s.ID, session.RevokedAdmin, f.now.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.st.Revoke(f.ctx, s.ID, session.RevokedReuse, f.now.Add(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if again.RevokedReason != session.RevokedAdmin || !again.RevokedAt.Equal(first.RevokedAt) {
		t.Fatalf("second revoke changed the first: %q at %v", again.RevokedReason, again.RevokedAt)
	}
	same(t, "stored", f.get(s.ID), first)
}

func testExpire(t *testing.T, f *fixture) {
	at := func(d time.Duration) time.Time { return f.now.Add(d) }
	for _, tc := range []struct {
		part                   session.Part
		access, refresh, whole bool
	}{
		{session.PartAccess, true, false, false},
		{session.PartRefresh, false, true, false},
		{session.PartSession, true, true, true},
	} {
		s, _ := f.create()
		got, err := f.st.Expire(f.ctx, s.ID, tc.part, at(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		check := func(name string, v time.Time, was time.Time, moved bool) {
			if want := map[bool]time.Time{true: at(time.Second), false: was}[moved]; !v.Equal(want) {
				t.Errorf("expire %s: %s = %v, want %v", tc.part, name, v, want)
			}
		}
		check("AccessExpiresAt", got.AccessExpiresAt, s.AccessExpiresAt, tc.access)
		check("CurrentExpiresAt", got.CurrentExpiresAt, s.CurrentExpiresAt, tc.refresh)
		check("ExpiresAt", got.ExpiresAt, s.ExpiresAt, tc.whole)
		if !got.TokensExpireAt.Equal(s.TokensExpireAt) {
			t.Errorf("expire %s moved TokensExpireAt: the sweep must wait for the tokens' own exp", tc.part)
		}
		same(t, "stored", f.get(s.ID), got)
		// An end already earlier stays.
		again, _ := f.st.Expire(f.ctx, s.ID, tc.part, at(time.Hour))
		same(t, "expired again later", again, got)
	}
}

func testList(t *testing.T, f *fixture) {
	want := map[string]bool{}
	for range 3 {
		s, _ := f.create()
		want[s.ID] = true
	}
	all, err := f.st.List(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(want) {
		t.Fatalf("List: %d sessions, want %d", len(all), len(want))
	}
	for _, s := range all {
		if !want[s.ID] {
			t.Errorf("List: unexpected %s", s.ID)
		}
	}
}

func testSweep(t *testing.T, f *fixture) {
	keep, _ := f.create()
	gone, goneToken := f.create()
	// Expired early through the control plane: kept until its tokens' exp.
	early, _ := f.create()
	if _, err := f.st.Expire(f.ctx, early.ID, session.PartSession, f.now); err != nil {
		t.Fatal(err)
	}
	// gone's token expires after one day, keep's after seven.
	r := f.rotation(goneToken, 1, time.Second, 0)
	r.Next.RefreshExpiresAt = f.now.Add(24 * time.Hour)
	f.rotate(gone.ID, r, session.Rotated)
	n, err := f.st.Sweep(f.ctx, f.now.Add(2*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("Sweep: removed %d, %v; want 1", n, err)
	}
	if _, err := f.st.Get(f.ctx, gone.ID); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("swept session still there: %v", err)
	}
	if _, err := f.st.FindCurrent(f.ctx, r.Next.Refresh); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("swept session still found by its token: %v", err)
	}
	f.get(keep.ID)
	f.get(early.ID)
	if n, _ := f.st.Sweep(f.ctx, f.now.Add(8*24*time.Hour)); n != 2 {
		t.Errorf("Sweep after every token's exp: removed %d, want 2", n)
	}
}

func testReset(t *testing.T, f *fixture) {
	_, first := f.create()
	f.create()
	if err := f.st.Reset(f.ctx); err != nil {
		t.Fatal(err)
	}
	if all, _ := f.st.List(f.ctx); len(all) != 0 {
		t.Errorf("List after Reset: %d sessions", len(all))
	}
	if _, err := f.st.FindCurrent(f.ctx, first); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("FindCurrent after Reset: %v", err)
	}
}

// race presents the current token from Racers callers at once and counts the outcomes.
func race(t *testing.T, f *fixture, grace time.Duration) (session.Session, map[session.Outcome]int, map[token.Hash]int) {
	s, first := f.create()
	rotations := make([]session.Rotation, Racers)
	for i := range rotations {
		rotations[i] = f.rotation(first, 1, time.Second, grace)
	}
	outcomes := make([]session.Outcome, Racers)
	errs := make([]error, Racers)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range Racers {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			_, outcomes[i], errs[i] = f.st.Rotate(f.ctx, s.ID, rotations[i])
		}()
	}
	start.Done()
	if err := waitWithin(&done, fmt.Sprintf("%d racing Rotate calls to return", Racers)); err != nil {
		t.Fatal(err)
	}
	counts, installed := map[session.Outcome]int{}, map[token.Hash]int{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("racer %d: %v", i, err)
		}
		counts[outcomes[i]]++
		if outcomes[i] == session.Rotated {
			installed[rotations[i].Next.Refresh]++
		}
	}
	return f.get(s.ID), counts, installed
}

func testRaceNoGrace(t *testing.T, f *fixture) {
	final, counts, installed := race(t, f, 0)
	if counts[session.Rotated] != 1 || len(installed) != 1 {
		t.Fatalf("outcomes %v: want exactly one rotation", counts)
	}
	// The first loser revokes the session; the ones after it find it revoked.
	if counts[session.Reused] < 1 || counts[session.Reused]+counts[session.Revoked] != Racers-1 {
		t.Fatalf("outcomes %v: every loser must be reuse or find the session revoked by it", counts)
	}
	for h := range installed {
		if final.Current != h || final.Generation != 2 || !final.Revoked() {
			t.Fatalf("final session: generation %d, revoked %v; want the winner's token at generation 2, revoked", final.Generation, final.Revoked())
		}
	}
}

func testRaceGrace(t *testing.T, f *fixture) {
	final, counts, installed := race(t, f, time.Hour)
	if counts[session.Rotated] != 1 || counts[session.GraceReplay] != Racers-1 {
		t.Fatalf("outcomes %v: want one rotation and %d grace replays", counts, Racers-1)
	}
	for h := range installed {
		if final.Current != h || final.Generation != 2 || final.Revoked() {
			t.Fatalf("final session: generation %d, revoked %v", final.Generation, final.Revoked())
		}
	}
}
