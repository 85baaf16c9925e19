package diagnose_test

import (
	"fmt"
	"time"

	"github.com/appmaker/refresh-conformance/mock/diagnose"
)

// Two tabs refresh with the same token 40ms apart: the first rotates it, the second is reuse.
// The second request completes a concurrent-refresh finding; the mock sends its kind in X-Mock-Diagnostic.
func ExampleWatcher_Observe() {
	w, err := diagnose.New(diagnose.Config{RaceWindow: 2 * time.Second})
	if err != nil {
		panic(err)
	}
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	token := diagnose.Fingerprint("the refresh token both tabs hold")
	tabA := diagnose.Exchange{At: start, EventID: 41, Session: "sess-1", Token: token, Generation: 1,
		Current: 2, Status: 201, Rotated: true}
	tabB := diagnose.Exchange{At: start.Add(40 * time.Millisecond), EventID: 42, Session: "sess-1", Token: token,
		Generation: 1, Current: 2, Status: 401, Code: "refresh_token_reused"}

	fmt.Println(len(w.Observe(tabA)), "findings")
	for _, f := range w.Observe(tabB) {
		fmt.Println(f.Kind, f.Severity, *f.SessionID, f.Generation, f.EventIDs)
		fmt.Println(f.Message)
	}
	// Output:
	// 0 findings
	// concurrent-refresh error sess-1 1 [41 42]
	// 2 requests presented the same refresh token (generation 1, fingerprint d5e3e66d3766) within 2s: a server without a grace window revokes the session at the second one. Make the refresh single-flight in each tab (share one in-flight promise) and across tabs (the Web Locks API or a BroadcastChannel).
}
