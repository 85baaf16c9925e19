package session_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock/session"
	"github.com/appmaker/refresh-conformance/mock/token"
)

// The rules as pure methods, without a store: each case names the README step it pins,
// including the boundaries (an expiry is reached at its instant, a grace window is open
// before its end and closed at it).

var (
	t0         = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	idle       = 7 * 24 * time.Hour
	firstHash  = token.HashOf("refresh-1")
	secondHash = token.HashOf("refresh-2")
	thirdHash  = token.HashOf("refresh-3")
)

// fresh is a session whose first token (firstHash, generation 1) was minted at t0.
func fresh() session.Session {
	return session.Session{
		ID: "sess-1", Sub: "user-1", Org: "org-1", CreatedAt: t0, ExpiresAt: t0.Add(30 * 24 * time.Hour),
		Generation: 1, Current: firstHash, CurrentExpiresAt: t0.Add(idle), TokensExpireAt: t0.Add(idle),
		AccessExpiresAt: t0.Add(15 * time.Minute),
	}
}

// presented is token h of generation gen, minted at minted.
func presented(h token.Hash, gen int, minted time.Time) session.Presented {
	return session.Presented{Hash: h, Generation: gen, ExpiresAt: minted.Add(idle)}
}

// rotation presents p at now, minting the successor nextHash.
func rotation(p session.Presented, nextHash token.Hash, now time.Time, grace time.Duration) session.Rotation {
	return session.Rotation{
		Presented: p, Now: now, Grace: grace,
		Next: session.Next{Refresh: nextHash, RefreshExpiresAt: now.Add(idle), Access: token.HashOf("access"), AccessExpiresAt: now.Add(15 * time.Minute)},
	}
}

// rotated is fresh() after the first token was rotated at `at`: secondHash is current.
func rotated(t *testing.T, at time.Time) session.Session {
	t.Helper()
	s := fresh()
	if got := s.Rotate(rotation(presented(firstHash, 1, t0), secondHash, at, 0)); got != session.Rotated {
		t.Fatalf("first rotation: %v, want rotated", got)
	}
	return s
}

// Step 4 before step 6: the README's table says a token past its own idle lifetime is
// answered "expired" whatever else is true of it. A rotated token is reuse only while it
// is still alive; once past its exp it says nothing about a leak, and must not revoke
// the session of the client that holds the newer token.
func TestARotatedTokenPastItsOwnExpiryIsExpiredNotReuse(t *testing.T) {
	rotatedAt := t0.Add(6 * 24 * time.Hour) // the successor lives until day 13
	for _, grace := range []time.Duration{0, time.Hour} {
		t.Run(fmt.Sprintf("grace %v", grace), func(t *testing.T) {
			s := rotated(t, rotatedAt)
			before := s
			at := t0.Add(idle) // the first token's own exp; the session and its current token are alive
			got := s.Rotate(rotation(presented(firstHash, 1, t0), thirdHash, at, grace))
			if got != session.Expired {
				t.Fatalf("step 4 (expiry) must come before step 6 (reuse): the rotated token presented at its own exp "+
					"is %v, want expired (only the current token's lifetime was checked?)", got)
			}
			if s.Revoked() || s != before {
				t.Fatalf("step 4 (expiry) must come before step 6 (reuse): an expired rotated token changed the session "+
					"(revoked %v, reason %q)", s.Revoked(), s.RevokedReason)
			}
			// One instant earlier the same token is still alive, and so it is reuse.
			if got := s.Rotate(rotation(presented(firstHash, 1, t0), thirdHash, at.Add(-time.Nanosecond), 0)); got != session.Reused {
				t.Fatalf("the rotated token just before its exp: %v, want reused", got)
			}
		})
	}
}

func TestRotateRules(t *testing.T) {
	rotatedAt := t0.Add(time.Hour)
	cases := []struct {
		name  string
		start func(t *testing.T) session.Session
		rot   session.Rotation
		want  session.Outcome
	}{
		{"step 5: the current token rotates", func(*testing.T) session.Session { return fresh() },
			rotation(presented(firstHash, 1, t0), secondHash, t0.Add(time.Minute), 0), session.Rotated},
		{"step 5: the current token one instant before its exp rotates", func(*testing.T) session.Session { return fresh() },
			rotation(presented(firstHash, 1, t0), secondHash, t0.Add(idle-time.Nanosecond), 0), session.Rotated},
		{"step 4: the current token at its own exp is expired", func(*testing.T) session.Session { return fresh() },
			rotation(presented(firstHash, 1, t0), secondHash, t0.Add(idle), 0), session.Expired},
		{"step 4: a token without exp (a fixture's) is judged by the session", func(*testing.T) session.Session { return fresh() },
			rotation(session.Presented{Hash: firstHash, Generation: 1}, secondHash, t0.Add(idle-time.Second), 0), session.Rotated},
		{"step 4: the session at its absolute end is expired", func(*testing.T) session.Session {
			s := fresh()
			s.ExpiresAt = t0.Add(time.Hour)
			return s
		}, rotation(session.Presented{Hash: firstHash, Generation: 1}, secondHash, t0.Add(time.Hour), 0), session.Expired},
		{"step 4: the session one instant before its absolute end rotates", func(*testing.T) session.Session {
			s := fresh()
			s.ExpiresAt = t0.Add(time.Hour)
			return s
		}, rotation(session.Presented{Hash: firstHash, Generation: 1}, secondHash, t0.Add(time.Hour-time.Nanosecond), 0), session.Rotated},
		{"step 4: the current token brought forward by the control plane is expired at that instant", func(*testing.T) session.Session {
			s := fresh()
			s.Expire(session.PartRefresh, t0.Add(time.Minute))
			return s
		}, rotation(presented(firstHash, 1, t0), secondHash, t0.Add(time.Minute), 0), session.Expired},
		{"step 4: the current token one instant before the end the control plane set rotates", func(*testing.T) session.Session {
			s := fresh()
			s.Expire(session.PartRefresh, t0.Add(time.Minute))
			return s
		}, rotation(presented(firstHash, 1, t0), secondHash, t0.Add(time.Minute-time.Nanosecond), 0), session.Rotated},
		{"step 4: a revoked session refuses its current token", func(*testing.T) session.Session {
			s := fresh()
			s.Revoke(session.RevokedAdmin, t0.Add(time.Second))
			return s
		}, rotation(presented(firstHash, 1, t0), secondHash, t0.Add(time.Minute), 0), session.Revoked},
		{"step 4: revoked wins over expired", func(*testing.T) session.Session {
			s := fresh()
			s.Revoke(session.RevokedAdmin, t0.Add(time.Second))
			return s
		}, rotation(presented(firstHash, 1, t0), secondHash, t0.Add(40*24*time.Hour), 0), session.Revoked},
		{"step 6: the previous token inside the grace window replays", func(t *testing.T) session.Session { return rotated(t, rotatedAt) },
			rotation(presented(firstHash, 1, t0), thirdHash, rotatedAt.Add(2*time.Second-time.Nanosecond), 2*time.Second), session.GraceReplay},
		{"step 6: the previous token at the end of the grace window is reuse", func(t *testing.T) session.Session { return rotated(t, rotatedAt) },
			rotation(presented(firstHash, 1, t0), thirdHash, rotatedAt.Add(2*time.Second), 2*time.Second), session.Reused},
		{"step 6: the previous token without a grace window is reuse", func(t *testing.T) session.Session { return rotated(t, rotatedAt) },
			rotation(presented(firstHash, 1, t0), thirdHash, rotatedAt, 0), session.Reused},
		{"step 6: an older generation than the previous is reuse, even inside the grace window", func(t *testing.T) session.Session {
			s := rotated(t, rotatedAt)
			s.Rotate(rotation(presented(secondHash, 2, rotatedAt), thirdHash, rotatedAt.Add(time.Second), time.Hour))
			return s
		}, rotation(presented(firstHash, 1, t0), token.HashOf("refresh-4"), rotatedAt.Add(2*time.Second), time.Hour), session.Reused},
		{"a token of the session's own generation that is not its current one is foreign", func(*testing.T) session.Session { return fresh() },
			rotation(presented(token.HashOf("another run"), 1, t0), secondHash, t0.Add(time.Minute), 0), session.Foreign},
		{"a token of a later generation than the session issued is foreign", func(*testing.T) session.Session { return fresh() },
			rotation(presented(token.HashOf("another run"), 5, t0), secondHash, t0.Add(time.Minute), 0), session.Foreign},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := c.start(t)
			before := s
			got := s.Rotate(c.rot)
			if got != c.want {
				t.Fatalf("Rotate = %v, want %v", got, c.want)
			}
			if got.Changed() != (s != before) {
				t.Fatalf("outcome %v says changed=%v, but the session changed=%v", got, got.Changed(), s != before)
			}
			switch got {
			case session.Rotated:
				want := before
				want.Generation, want.Previous, want.Current, want.RotatedAt = before.Generation+1, before.Current, c.rot.Next.Refresh, c.rot.Now
				want.CurrentExpiresAt, want.TokensExpireAt = c.rot.Next.RefreshExpiresAt, c.rot.Next.RefreshExpiresAt
				want.Access, want.AccessExpiresAt = c.rot.Next.Access, c.rot.Next.AccessExpiresAt
				if s != want {
					t.Fatalf("after rotation:\n got  %+v\n want %+v", s, want)
				}
			case session.Reused:
				if s.RevokedReason != session.RevokedReuse || !s.RevokedAt.Equal(c.rot.Now) {
					t.Fatalf("after reuse: revoked %q at %v, want %q at %v", s.RevokedReason, s.RevokedAt, session.RevokedReuse, c.rot.Now)
				}
			}
		})
	}
}

func TestOutcomesNameThemselves(t *testing.T) {
	for o, want := range map[session.Outcome]string{
		session.Revoked: "revoked", session.Expired: "expired", session.Rotated: "rotated",
		session.GraceReplay: "grace replay", session.Reused: "reused", session.Foreign: "foreign",
		0: "unknown", session.Foreign + 1: "unknown", -1: "unknown",
	} {
		if got := o.String(); got != want {
			t.Errorf("Outcome(%d).String() = %q, want %q", int(o), got, want)
		}
	}
}

func TestRevokeKeepsTheFirstReasonAndTime(t *testing.T) {
	s := fresh()
	if s.Revoked() {
		t.Fatal("a fresh session says it is revoked")
	}
	s.Revoke(session.RevokedAdmin, t0.Add(time.Second))
	s.Revoke(session.RevokedReuse, t0.Add(2*time.Second))
	if !s.Revoked() || s.RevokedReason != session.RevokedAdmin || !s.RevokedAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("revoked %v, %q at %v; want revoked_by_request at %v", s.Revoked(), s.RevokedReason, s.RevokedAt, t0.Add(time.Second))
	}
}

func TestExpireBringsEndsForwardOnly(t *testing.T) {
	early, late := t0.Add(time.Minute), t0.Add(60*24*time.Hour)
	cases := []struct {
		part                     session.Part
		at                       time.Time
		session, current, access time.Time
	}{
		{session.PartAccess, early, fresh().ExpiresAt, fresh().CurrentExpiresAt, early},
		{session.PartRefresh, early, fresh().ExpiresAt, early, fresh().AccessExpiresAt},
		{session.PartSession, early, early, early, early},
		// Expiring "now" when an end is already earlier changes nothing.
		{session.PartSession, late, fresh().ExpiresAt, fresh().CurrentExpiresAt, fresh().AccessExpiresAt},
		{session.PartAccess, late, fresh().ExpiresAt, fresh().CurrentExpiresAt, fresh().AccessExpiresAt},
		{session.PartRefresh, late, fresh().ExpiresAt, fresh().CurrentExpiresAt, fresh().AccessExpiresAt},
		{"nothing", early, fresh().ExpiresAt, fresh().CurrentExpiresAt, fresh().AccessExpiresAt},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s at %v", c.part, c.at), func(t *testing.T) {
			s := fresh()
			s.Expire(c.part, c.at)
			if !s.ExpiresAt.Equal(c.session) || !s.CurrentExpiresAt.Equal(c.current) || !s.AccessExpiresAt.Equal(c.access) {
				t.Fatalf("session %v, refresh %v, access %v; want %v, %v, %v",
					s.ExpiresAt, s.CurrentExpiresAt, s.AccessExpiresAt, c.session, c.current, c.access)
			}
		})
	}
}

func TestPartsAreTheThreeTheControlPlaneNames(t *testing.T) {
	for p, want := range map[session.Part]bool{
		session.PartAccess: true, session.PartRefresh: true, session.PartSession: true, "": false, "tokens": false,
	} {
		if p.Valid() != want {
			t.Errorf("Part(%q).Valid() = %v, want %v", p, !want, want)
		}
	}
}

func TestSweepableOnceEveryTokenIsPastItsExp(t *testing.T) {
	s := fresh()
	if s.Sweepable(s.TokensExpireAt.Add(-time.Nanosecond)) {
		t.Error("sweepable before the newest token's exp: its tokens would be answered as unknown, not expired")
	}
	if !s.Sweepable(s.TokensExpireAt) {
		t.Error("not sweepable at the newest token's exp")
	}
}
