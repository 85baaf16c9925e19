package mock_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/mock/session"
	"github.com/appmaker/refresh-conformance/spec"
)

// raceRoundsEnv sets how many rounds each race test runs. The issue asks for 1,000:
//
//	APPMAKER_RACE_ROUNDS=1000 go test -race -run 'Parallel|Revocation' ./mock
//
// which took 54 to 63 s per test, 3 minutes for the three, under -race on two cores
// (docs/SECURITY.md).
// Unset, the tests run defaultRaceRounds so that `make test` stays within minutes, and 5
// with -short.
const (
	raceRoundsEnv     = "APPMAKER_RACE_ROUNDS"
	defaultRaceRounds = 25
)

func raceRounds(t *testing.T) int {
	t.Helper()
	if v, ok := os.LookupEnv(raceRoundsEnv); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number of rounds", raceRoundsEnv, v)
		}
		return n
	}
	if testing.Short() {
		return 5
	}
	return defaultRaceRounds
}

// raceRound fires n refreshes of one token at once and returns the answers.
func raceRound(h *harness, s mock.SessionTokens, n int) []answer {
	answers := make([]answer, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			answers[i] = h.refresh(s.AccessToken, s.RefreshToken)
		}()
	}
	start.Done()
	if err := waitClosed(doneOf(&done), waitLimit, fmt.Sprintf("answers to %d racing refreshes", n)); err != nil {
		h.t.Fatal(err)
	}
	return answers
}

// RFC 9700 §4.14.2: a refresh token is used once, however many clients race with it.
func TestParallelRefreshesOfOneTokenRotateOnce(t *testing.T) {
	h := newHarness(t)
	for round := range raceRounds(t) {
		answers := raceRound(h, h.session(), 64)
		created := 0
		for _, a := range answers {
			switch {
			case a.status == http.StatusCreated:
				created++
			case a.status == http.StatusUnauthorized && (a.code() == mock.CodeRefreshTokenReused || a.code() == mock.CodeSessionRevoked):
			default:
				t.Fatalf("round %d: unexpected %d %s", round, a.status, a.code())
			}
		}
		if created != 1 {
			t.Fatalf("round %d: %d answers were 201, want exactly 1", round, created)
		}
	}
}

// --reuse-grace: clients racing inside the window all get the one successor pair.
func TestParallelRefreshesInsideTheGraceWindowShareOnePair(t *testing.T) {
	h := newHarness(t, mock.WithReuseGrace(time.Minute))
	for round := range raceRounds(t) {
		answers := raceRound(h, h.session(), 64)
		first := answers[0].pair(t)
		for _, a := range answers {
			if a.status != http.StatusCreated || a.pair(t) != first {
				t.Fatalf("round %d: answers differ inside the grace window: %d %s", round, a.status, a.body)
			}
		}
	}
}

// Revocation wins over any rotation that has not happened yet: once RevokeSession has
// returned, no refresh of the session answers 201, neither a rotation nor (with a grace
// window) a replay of the last one.
func TestRevocationRacingRotationLeavesNoSessionThatRefreshes(t *testing.T) {
	const sessionsPerRound = 8
	for _, grace := range []time.Duration{0, time.Minute} {
		t.Run(fmt.Sprintf("reuse grace %v", grace), func(t *testing.T) {
			h := newHarness(t, mock.WithReuseGrace(grace))
			// With a grace window each step is two racing tabs presenting the same token.
			tabs := 1
			if grace > 0 {
				tabs = 2
			}
			for round := range raceRounds(t) {
				type revocation struct {
					id           string
					acknowledged atomic.Bool
					at           session.Session // the session as RevokeSession returned it
				}
				revocations := make([]*revocation, sessionsPerRound)
				var wg sync.WaitGroup
				for i := range revocations {
					s := h.session()
					rv := &revocation{id: s.SessionID}
					revocations[i] = rv
					// Revoke after a different number of rotations each time, while the next is on its way.
					revokeAfter := (round + i) % 4
					rotated, chainEnded := make(chan struct{}, 8), make(chan struct{})
					wg.Go(func() {
						for n := range revokeAfter {
							if err := waitSignal(rotated, chainEnded, fmt.Sprintf("session %s: rotation %d of the %d to revoke after", s.SessionID, n+1, revokeAfter)); err != nil {
								t.Error(err)
								return
							}
						}
						sess, err := h.srv.RevokeSession(context.Background(), s.SessionID, session.RevokedAdmin)
						if err != nil {
							t.Errorf("revoke: %v", err)
						}
						rv.at = sess
						rv.acknowledged.Store(true)
					})
					wg.Go(func() {
						defer close(chainEnded)
						rotateUntilRefused(t, h, s, tabs, &rv.acknowledged, rotated)
					})
				}
				if err := waitClosed(doneOf(&wg), outerWaitLimit, fmt.Sprintf("round %d: the rotation chains and revocations of %d sessions to end", round, sessionsPerRound)); err != nil {
					t.Fatal(err)
				}
				for _, rv := range revocations {
					if !rv.acknowledged.Load() {
						continue // the revocation never happened; why is reported above
					}
					after := h.storedSession(rv.id)
					if after.Generation != rv.at.Generation || after.RevokedReason != session.RevokedAdmin {
						t.Errorf("session %s: generation %d, reason %q after the revocation; %d, %q at it",
							rv.id, after.Generation, after.RevokedReason, rv.at.Generation, rv.at.RevokedReason)
					}
				}
				if t.Failed() {
					t.Fatalf("round %d failed", round)
				}
			}
		})
	}
}

// rotateUntilRefused follows s's chain of rotations, tabs requests at a time, until the
// mock refuses it. An answer 201 to a request sent after the revocation was acknowledged
// is the failure this looks for.
func rotateUntilRefused(t *testing.T, h *harness, s mock.SessionTokens, tabs int, acknowledged *atomic.Bool, rotated chan<- struct{}) {
	pair := spec.TokenPair{AccessToken: s.AccessToken, RefreshToken: s.RefreshToken}
	for {
		revokedBeforeSending := acknowledged.Load()
		answers := make([]answer, tabs)
		var tabsDone sync.WaitGroup
		for i := range answers {
			tabsDone.Go(func() { answers[i] = h.refresh(pair.AccessToken, pair.RefreshToken) })
		}
		if err := waitClosed(doneOf(&tabsDone), waitLimit, fmt.Sprintf("session %s: answers to %d tabs refreshing", s.SessionID, tabs)); err != nil {
			t.Error(err)
			return
		}
		for _, a := range answers {
			switch {
			case a.status == http.StatusCreated && revokedBeforeSending:
				t.Errorf("session %s answered 201 after its revocation was acknowledged", s.SessionID)
				return
			case a.status == http.StatusUnauthorized && a.code() == mock.CodeSessionRevoked:
				return
			case a.status != http.StatusCreated:
				t.Errorf("session %s: unexpected %d %s", s.SessionID, a.status, a.code())
				return
			}
		}
		next := answers[0].pair(t)
		for _, a := range answers[1:] {
			if a.pair(t) != next {
				t.Errorf("session %s: racing tabs got different pairs inside the grace window", s.SessionID)
				return
			}
		}
		pair = next
		select {
		case rotated <- struct{}{}:
		default:
		}
	}
}

// TestResetRacingRotationRefusesTheTokensItForgot: a reset (POST /__mock/reset) lands
// while sessions rotate, before a refresh finds its session or between finding it and
// rotating it. Either way the chain ends with the answer to a refresh token the mock no
// longer knows, never with an error of the mock's own.
func TestResetRacingRotationRefusesTheTokensItForgot(t *testing.T) {
	const sessionsPerRound = 8
	h := newHarness(t)
	for round := range raceRounds(t) {
		rotations := make(chan struct{}, 4*sessionsPerRound)
		var wg sync.WaitGroup
		for range sessionsPerRound {
			s := h.session()
			wg.Go(func() {
				pair := spec.TokenPair{AccessToken: s.AccessToken, RefreshToken: s.RefreshToken}
				for {
					a := h.refresh(pair.AccessToken, pair.RefreshToken)
					switch {
					case a.status == http.StatusCreated:
						pair = a.pair(t)
						select {
						case rotations <- struct{}{}:
						default:
						}
					case a.status == http.StatusUnauthorized && a.code() == mock.CodeInvalidRefreshToken:
						return
					default:
						t.Errorf("session %s: %d %s while a reset raced its rotation", s.SessionID, a.status, a.code())
						return
					}
				}
			})
		}
		// Reset after a different number of rotations each round.
		chainsEnded := doneOf(&wg)
		for n := range round % (4 * sessionsPerRound) {
			if err := waitSignal(rotations, chainsEnded, fmt.Sprintf("round %d: rotation %d of the %d to reset after", round, n+1, round%(4*sessionsPerRound))); err != nil {
				t.Fatal(err)
			}
		}
		if a := h.call(http.MethodPost, "/__mock/reset", ""); a.status != http.StatusOK {
			t.Fatalf("reset = %d %s", a.status, a.body)
		}
		if err := waitClosed(chainsEnded, waitLimit, fmt.Sprintf("round %d: the rotation chains of %d sessions to end after the reset", round, sessionsPerRound)); err != nil {
			t.Fatal(err)
		}
		if t.Failed() {
			t.Fatalf("round %d failed", round)
		}
	}
}
