package mock_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Every wait of a test on another goroutine, the mock's included, has a limit, so that a
// broken build fails in seconds with what the test waited for, instead of hanging until
// go test's -timeout, which says only which test was running and loses what it logged.
// A wait on goroutines that wait themselves has the longer limit, so that theirs expire
// first and they report before the test ends.
const (
	// answerLimit bounds one request's wait for its answer.
	answerLimit = 20 * time.Second
	// waitLimit bounds a wait on goroutines that make requests, or on a signal from one.
	waitLimit = 30 * time.Second
	// outerWaitLimit bounds a wait on goroutines that wait with waitLimit.
	outerWaitLimit = waitLimit + 10*time.Second
)

// answerClient is the harness's client: no request waits longer than answerLimit.
var answerClient = &http.Client{Timeout: answerLimit}

// doneOf returns a channel closed once wg is done.
func doneOf(wg *sync.WaitGroup) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	return done
}

// waitClosed waits until ch is closed; after limit it returns an error naming what it
// waited for.
func waitClosed(ch <-chan struct{}, limit time.Duration, what string) error {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case <-ch:
		return nil
	case <-timer.C:
		return fmt.Errorf("waited %v for %s", limit, what)
	}
}

// waitSignal waits for one value on signal. It returns an error naming what it waited
// for as soon as ended is closed first (whoever would send has stopped), or after
// waitLimit.
func waitSignal(signal, ended <-chan struct{}, what string) error {
	timer := time.NewTimer(waitLimit)
	defer timer.Stop()
	select {
	case <-signal:
		return nil
	default:
	}
	select {
	case <-signal:
		return nil
	case <-ended:
		return fmt.Errorf("%s never came: whoever would have sent it has stopped", what)
	case <-timer.C:
		return fmt.Errorf("waited %v for %s", waitLimit, what)
	}
}

// closeWithin closes ts, which waits for the requests in flight, for at most waitLimit.
// A mock that never answers fails the test here rather than hanging it.
func closeWithin(t *testing.T, ts *httptest.Server) {
	t.Helper()
	closed := make(chan struct{})
	go func() {
		ts.Close()
		close(closed)
	}()
	if err := waitClosed(closed, waitLimit, "the mock's requests in flight to end after the test"); err != nil {
		t.Error(err)
	}
}
