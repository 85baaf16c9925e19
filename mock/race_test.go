package mock_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock"
)

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
	done.Wait()
	return answers
}

func TestParallelRefreshesOfOneTokenRotateOnce(t *testing.T) {
	h := newHarness(t)
	rounds := 20
	if testing.Short() {
		rounds = 5
	}
	for round := range rounds {
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

func TestParallelRefreshesInsideTheGraceWindowShareOnePair(t *testing.T) {
	h := newHarness(t, mock.WithReuseGrace(time.Minute))
	for round := range 10 {
		answers := raceRound(h, h.session(), 64)
		first := answers[0].pair(t)
		for _, a := range answers {
			if a.status != http.StatusCreated || a.pair(t) != first {
				t.Fatalf("round %d: answers differ inside the grace window", round)
			}
		}
	}
}
