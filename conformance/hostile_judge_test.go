package conformance_test

import (
	"testing"
	"time"
)

// A server that accepts a request built to trip its parser fails the hostile-input
// checks: the judge wants 400 or 401 and says what came instead. (A 5xx fails earlier,
// in the client, as "no answer is a server error".)
func TestAHostileInputAcceptedFails(t *testing.T) {
	h := serve(t, fixed(201, "application/json", pairJSON(staticPair())), "/api/v1", 5*time.Second, staticPair)
	mustFailWith(t, check(t, "hostile input: a NUL character in the token").run(t.Context(), h), "answered 201", "want 400 or 401")
}
