package conformance

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/appmaker/refresh-conformance/spec"
)

const ruleOneSuccessor = "one refresh token has at most one successor pair, however many refreshes of it race"

// CheckRace sends n refreshes of pair's refresh token at once, each on a connection of its
// own, and passes only if at most one distinct new pair comes back (identical pairs are a
// grace-window replay) and, afterwards, no token but that pair's refreshes: the raced
// token again must be refused or answer the same pair. The winner's refresh token may be
// refused when the race was taken for reuse and the session revoked; outcome says so.
func CheckRace(ctx context.Context, c *Client, pair spec.TokenPair, n int) (outcome string, err error) {
	call := RefreshCall(Bearer(pair.AccessToken), pair.RefreshToken)
	for range n { // the rate limit is kept before the start, not between the racers
		if err := c.target.waitTurn(ctx); err != nil {
			return "", err
		}
	}
	exchanges := make([]*Exchange, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		transport := c.transport.Clone()
		transport.DisableKeepAlives = true // a connection of its own, closed after
		hc := &http.Client{Timeout: c.target.Timeout, Transport: transport}
		wg.Go(func() {
			defer transport.CloseIdleConnections()
			<-start
			exchanges[i], errs[i] = c.send(ctx, call, hc, false)
		})
	}
	close(start)
	wg.Wait()

	var winner *spec.TokenPair
	var winnerEx *Exchange
	won, refused := 0, 0
	for i, ex := range exchanges {
		if err := errs[i]; err != nil {
			return "", inStep(err, fmt.Sprintf("racer %d of %d", i+1, n))
		}
		switch ex.Response.StatusCode {
		case 201:
			got, problem := tokenPair(ex.Body)
			if problem != "" {
				return "", newFailure(c.redactor, ex, "a valid refresh answers both tokens as non-empty strings",
					"components.responses.RefreshTokenResponse", "racer %d answered 201 but %s", i+1, problem)
			}
			won++
			if winner == nil {
				winner, winnerEx = &got, ex
			} else if got != *winner {
				return "", newFailure(c.redactor, ex, ruleOneSuccessor, rfcRotation+"; "+rfcReuse,
					"%d refreshes raced; racer %d answered 201 with another pair than an earlier racer (%s)", n, i+1, winnerEx.Summary(c.redactor))
			}
		case 401:
			refused++
		default:
			return "", newFailure(c.redactor, ex, "each racing refresh answers 201 or 401", rfcRotation,
				"racer %d answered %s with %s", i+1, ex.Response.Status, snippet(c.redactor, ex.Body))
		}
	}
	if winner == nil {
		return "", newFailure(c.redactor, exchanges[0], "one of the racing refreshes of a valid token answers 201", rfcRotation,
			"all %d racing refreshes were refused", n)
	}
	summary := fmt.Sprintf("%d refreshes raced: %d answered 201 with one pair, %d answered 401", n, won, refused)

	ex, err := c.Send(ctx, RefreshCall(Bearer(winner.AccessToken), pair.RefreshToken))
	if err != nil {
		return "", inStep(err, "presenting the raced token after the race")
	}
	if _, err := judgeReplay(c, ex, *winner, "presenting the raced token after the race"); err != nil {
		return "", err
	}
	ex, err = c.Send(ctx, RefreshCall(Bearer(winner.AccessToken), winner.RefreshToken))
	if err != nil {
		return "", inStep(err, "refreshing with the winner's pair after the race")
	}
	switch code := ex.Response.StatusCode; {
	case code == 201:
		return summary + "; afterwards the winner's refresh token refreshed", nil
	case code == 401 && refused > 0:
		return summary + "; afterwards the winner's refresh token was refused: the race was taken for reuse and the session revoked", nil
	}
	return "", inStep(statusIs(c.redactor, ex, 201, "after a race answered only by the same pair, that pair's refresh token refreshes", rfcRotation),
		"refreshing with the winner's pair after the race")
}
