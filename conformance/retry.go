package conformance

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// firstBackoff is the first wait before a retry; each next one doubles. A Retry-After
// header asking for longer wins, so the server is never asked again sooner than it said.
const firstBackoff = 500 * time.Millisecond

// NotJudged says why a spec could not be judged: a gateway kept answering a status of
// CONFORMANCE_RETRY_STATUS (429, 503) until the retry budget was spent. Such a spec is
// reported as not judged, never as passed or failed.
type NotJudged struct {
	Reason   string
	exchange *Exchange
}

func (n *NotJudged) Error() string { return "not judged: " + n.Reason }

// Exchange is the last refused request.
func (n *NotJudged) Exchange() *Exchange { return n.exchange }

// retrying runs attempt until its answer is not a status to retry, waiting between tries
// as Retry-After says (at least a doubling backoff), and judges that answer. A transport
// error is a Failure at once: a request that timed out is not retried.
func (c *Client) retrying(ctx context.Context, attempt func() (*Exchange, error), judge func(context.Context, *Exchange) error) (*Exchange, error) {
	var waited time.Duration
	backoff := firstBackoff
	for tries := 1; ; tries++ {
		ex, err := attempt()
		if err != nil {
			if ex == nil {
				return nil, err
			}
			return ex, c.transportFailure(ctx, ex, err)
		}
		if !slices.Contains(c.target.RetryStatus, ex.Response.StatusCode) {
			return ex, judge(ctx, ex)
		}
		wait := max(retryAfter(ex.Response.Header.Get("Retry-After"), time.Now()), backoff)
		backoff *= 2
		if waited+wait > c.target.RetryBudget {
			return ex, &NotJudged{exchange: ex, Reason: c.redactor.Redact(fmt.Sprintf(
				"%s %s answered %s %d time(s) in a row (CONFORMANCE_RETRY_STATUS); after waiting %s, the next wait of %s would pass the retry budget CONFORMANCE_RETRY_BUDGET=%s",
				ex.Request.Method, ex.Request.URL, ex.Response.Status, tries, waited, wait, c.target.RetryBudget))}
		}
		if err := c.target.sleep(ctx, wait); err != nil {
			return ex, fmt.Errorf("conformance: waiting to retry after %s: %w", ex.Response.Status, err)
		}
		waited += wait
	}
}

// retryAfter reads a Retry-After header (RFC 9110 §10.2.3): seconds, or an HTTP date;
// 0 when absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil && at.After(now) {
		return at.Sub(now)
	}
	return 0
}
