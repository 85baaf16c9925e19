package conformance

import (
	"context"
	"fmt"
	"time"

	"github.com/appmaker/refresh-conformance/spec"
)

// graceMargin is added to a declared grace window before the replay that must be reuse:
// a server that keeps times in whole seconds may count up to a second less than we waited.
const graceMargin = time.Second

// Outcomes of a replay that passed, for the report.
const (
	OutcomeRefused     = "the replay was refused with 401"
	OutcomeGraceReplay = "grace-window replay: the replay was answered 201 with exactly the pair the first refresh answered"
)

// judgeReplay judges the answer to a refresh token presented again after its rotation
// answered first: 401, or (a grace window) 201 with exactly first. Any other 201 hands one
// token two successors.
func judgeReplay(c *Client, ex *Exchange, first spec.TokenPair, step string) (grace bool, err error) {
	if ex.Response.StatusCode == 201 {
		again, problem := tokenPair(ex.Body)
		if problem == "" && again == first {
			return true, nil
		}
		return false, newFailure(c.redactor, ex, "a replayed refresh token is refused, or answered exactly the pair its first refresh answered (a grace window)",
			rfcReuse, "%s: answered 201 with another pair than the first refresh answered", step)
	}
	return false, inStep(statusIs(c.redactor, ex, 401, "a refresh token that was used is refused",
		rfcRotation+"; "+responseLocation(c, "401")), step)
}

// CheckUsedTokenRefused refreshes pair, then presents its refresh token again at once (with
// the new, valid access token): 401 passes, and so does 201 with exactly the pair the
// first refresh answered (a grace-window replay); outcome says which came.
func CheckUsedTokenRefused(ctx context.Context, c *Client, pair spec.TokenPair) (outcome string, err error) {
	next, err := CheckRefresh(ctx, c, Bearer(pair.AccessToken), pair.RefreshToken)
	if err != nil {
		return "", err
	}
	ex, err := c.Send(ctx, RefreshCall(Bearer(next.AccessToken), pair.RefreshToken))
	if err != nil {
		return "", inStep(err, "presenting the used refresh token again")
	}
	grace, err := judgeReplay(c, ex, next, "presenting the used refresh token again")
	if err != nil {
		return "", err
	}
	if grace {
		return OutcomeGraceReplay, nil
	}
	return OutcomeRefused, nil
}

// CheckReuseRevokesSession refreshes pair, presents the rotated refresh token again, and
// when that is refused expects the newest refresh token to be refused too: the session is
// revoked. A grace-window replay passes (outcome says so): revocation is then judged by
// CheckOldGenerationReuse and CheckReplayAfterGrace.
func CheckReuseRevokesSession(ctx context.Context, c *Client, pair spec.TokenPair) (outcome string, err error) {
	next, err := CheckRefresh(ctx, c, Bearer(pair.AccessToken), pair.RefreshToken)
	if err != nil {
		return "", err
	}
	ex, err := c.Send(ctx, RefreshCall(Bearer(next.AccessToken), pair.RefreshToken))
	if err != nil {
		return "", inStep(err, "presenting the rotated refresh token again")
	}
	grace, err := judgeReplay(c, ex, next, "presenting the rotated refresh token again")
	if err != nil {
		return "", err
	}
	if grace {
		return OutcomeGraceReplay + "; revocation is judged by the replays of older generations", nil
	}
	return OutcomeRefused + "; the session was revoked", revoked(ctx, c, next, "reuse of a rotated refresh token revokes the session, the newest token too")
}

// revoked expects newest, the session's last pair, to be refused now.
func revoked(ctx context.Context, c *Client, newest spec.TokenPair, rule string) error {
	ex, err := c.Send(ctx, RefreshCall(Bearer(newest.AccessToken), newest.RefreshToken))
	if err != nil {
		return inStep(err, "refreshing with the newest token after the reuse")
	}
	return inStep(statusIs(c.redactor, ex, 401, rule, rfcReuse), "refreshing with the newest token after the reuse")
}

// CheckOldGenerationReuse refreshes pair back times in a row, then presents pair's refresh
// token, back generations old: outside any grace window by construction (a window covers
// the immediately previous token only), it must be refused with 401 and the whole session
// revoked.
func CheckOldGenerationReuse(ctx context.Context, c *Client, pair spec.TokenPair, back int) error {
	newest := pair
	for i := range back {
		next, err := CheckRefresh(ctx, c, Bearer(newest.AccessToken), newest.RefreshToken)
		if err != nil {
			return inStep(err, fmt.Sprintf("refresh %d of %d", i+1, back))
		}
		newest = next
	}
	step := fmt.Sprintf("presenting a refresh token %d generations old", back)
	ex, err := c.Send(ctx, RefreshCall(Bearer(newest.AccessToken), pair.RefreshToken))
	if err != nil {
		return inStep(err, step)
	}
	if err := statusIs(c.redactor, ex, 401, fmt.Sprintf("a refresh token %d generations old is refused: no grace window covers it", back),
		rfcReuse+"; "+responseLocation(c, "401")); err != nil {
		return inStep(err, step)
	}
	return revoked(ctx, c, newest, fmt.Sprintf("reuse of a refresh token %d generations old revokes the session, the newest token too", back))
}

// CheckReplayAfterGrace refreshes pair, waits out the declared grace window (plus a
// second), and presents the rotated token again: past the window it is reuse, refused
// with 401 and the whole session revoked.
func CheckReplayAfterGrace(ctx context.Context, c *Client, pair spec.TokenPair, grace time.Duration) error {
	next, err := CheckRefresh(ctx, c, Bearer(pair.AccessToken), pair.RefreshToken)
	if err != nil {
		return err
	}
	if err := c.target.sleep(ctx, grace+graceMargin); err != nil {
		return fmt.Errorf("conformance: waiting out the grace window: %w", err)
	}
	step := fmt.Sprintf("presenting the rotated refresh token again %s after its rotation (CONFORMANCE_REUSE_GRACE=%s)", grace+graceMargin, grace)
	ex, err := c.Send(ctx, RefreshCall(Bearer(next.AccessToken), pair.RefreshToken))
	if err != nil {
		return inStep(err, step)
	}
	if err := statusIs(c.redactor, ex, 401, "a replay after the grace window is reuse and is refused",
		rfcReuse+"; CONFORMANCE_REUSE_GRACE"); err != nil {
		return inStep(err, step)
	}
	return revoked(ctx, c, next, "a replay after the grace window revokes the session, the newest token too")
}
