package mock

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/appmaker/refresh-conformance/spec"
)

// outsideStatuses are the statuses a fault rule may answer outside the document, with
// their default machine codes: what a gateway in front of a real refresh endpoint answers.
var outsideStatuses = map[int]string{
	http.StatusTooManyRequests:     "rate_limited",
	http.StatusInternalServerError: CodeInternal,
	http.StatusServiceUnavailable:  "service_unavailable",
}

// maxRetryAfter bounds a rule's Retry-After.
const maxRetryAfter = 24 * time.Hour

// outsideFault accepts what only "outsideDocument": true allows: a lost request, and the
// statuses above, answered by the mock itself for every operation the rule covers. It
// reports whether the rule was one of those (err says what is wrong with it).
func (s *Server) outsideFault(f *fault, req FaultRequest) (bool, error) {
	_, outside := outsideStatuses[req.Status]
	switch {
	case req.RetryAfter != "" && req.Status != http.StatusTooManyRequests && req.Status != http.StatusServiceUnavailable:
		return true, badRequest(`"retryAfter" goes with "status": 429 or 503 and "outsideDocument": true`)
	case req.LostRequest && !req.OutsideDocument:
		return true, badRequest(`"lostRequest" closes the connection before any answer, which no document declares: add "outsideDocument": true`)
	case req.LostRequest:
		return true, nil
	case !req.OutsideDocument || !outside:
		if req.RetryAfter != "" {
			return true, badRequest(`"retryAfter" goes with "outsideDocument": true`)
		}
		return false, nil
	}
	f.outside = true
	if f.rule.Code == "" {
		f.rule.Code = outsideStatuses[req.Status]
	}
	retry := req.RetryAfter
	if retry == "" && req.Status == http.StatusTooManyRequests {
		retry = "1s"
	}
	if retry != "" {
		d, err := parseDuration(retry)
		if err != nil || d <= 0 || d > maxRetryAfter {
			return true, badRequest(fmt.Sprintf("retryAfter %q: want a positive duration up to %s, like \"30s\"", retry, maxRetryAfter))
		}
		// RFC 9110 §10.2.3: Retry-After in whole seconds; never rounded down to "now".
		f.retryAfter = int(math.Ceil(d.Seconds()))
		f.rule.RetryAfter = (time.Duration(f.retryAfter) * time.Second).String()
	}
	return true, nil
}

// withOutsideHint tells the author of a rule refused for an undeclared status what
// "outsideDocument" allows.
func withOutsideHint(err error, req FaultRequest) error {
	var re *requestError
	if req.Status == 0 || !errors.As(err, &re) {
		return err
	}
	if req.OutsideDocument {
		return badRequest(re.msg + `; "outsideDocument": true adds only 429, 500 and 503`)
	}
	if _, outside := outsideStatuses[req.Status]; outside {
		return badRequest(re.msg + `; to answer it anyway, as a gateway would, add "outsideDocument": true`)
	}
	return err
}

// writeOutside answers a rule's status outside the document: the refresh document's error
// shape, the machine code in X-Mock-Error, and Retry-After when the rule has one.
func writeOutside(w http.ResponseWriter, f *fault) {
	if f.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.retryAfter))
	}
	w.Header().Set(HeaderError, f.rule.Code)
	writeJSON(w, f.rule.Status, spec.UnauthorizedError{APIError: []string{
		fmt.Sprintf("answered %d because fault rule %d (POST /__mock/faults) asked for it, outside the document", f.rule.Status, f.rule.ID)}})
}
