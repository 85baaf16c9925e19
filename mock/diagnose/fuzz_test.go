package diagnose_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/internal/redact"
	"github.com/appmaker/refresh-conformance/mock/diagnose"
)

// FuzzObserve feeds random sequences, four bytes a request (session, token, time step, answer), with
// steps of 250ms so that the race window's edges come up often. Whatever the sequence: no panic, no
// token in a message, findings in time order, each Key once but a burst's, at most one
// refresh-after-logout per session.
func FuzzObserve(f *testing.F) {
	f.Add([]byte{1, 1, 0, 0, 1, 1, 8, 2, 1, 2, 0, 3, 1, 2, 9, 3, 1, 2, 9, 3})
	f.Add([]byte{1, 1, 0, 0, 1, 1, 2, 1, 1, 1, 1, 1, 0, 0, 0, 6, 2, 3, 0, 8})
	f.Fuzz(func(t *testing.T, ops []byte) {
		const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLWJ5dGVz"
		sessions := []string{"", "s1", "s2"}
		tokens := []string{"", "aaaa", "bbbb", jwt} // a token where a fingerprint belongs must not leak either
		w, err := diagnose.New(diagnose.Config{Storm: diagnose.StormLimit{Count: 2, Window: 5 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		at := t0
		var last time.Time
		seen := map[diagnose.Key]bool{}
		loggedOut := map[string]bool{}
		for i := 0; i+4 <= len(ops); i += 4 {
			at = at.Add(time.Duration(ops[i+2]%16) * 250 * time.Millisecond)
			ex := diagnose.Exchange{At: at, EventID: int64(i/4 + 1), Session: sessions[int(ops[i])%3],
				Token: tokens[int(ops[i+1])%4], Generation: int(ops[i+1] % 4), Current: int(ops[i+1]%4) + 1}
			switch ops[i+3] % 10 {
			case 0:
				ex.Status, ex.Rotated = 201, true
			case 1:
				ex.Status, ex.Replayed = 201, true
			case 2:
				ex.Status, ex.Code = 401, "refresh_token_reused"
			case 3:
				ex.Status, ex.Code = 401, "session_revoked"
			case 4:
				ex.Status, ex.Code = 401, "refresh_token_expired"
			case 5:
				ex.Status, ex.Code, ex.BodyFields = 400, "validation_failed", []string{"refresh_token", jwt}
				ex.Problems = map[string][]string{"refreshToken": {"got " + jwt}}
			case 6:
				ex.Status, ex.Code, ex.NoCredential = 401, "missing_credentials", true
			case 7:
				ex.Status, ex.Code, ex.Forced = 401, "session_revoked", true
			case 8:
				ex.Rotated = true // the answer was lost
			case 9:
				ex.Status, ex.Code, ex.RotatedAt = 401, "refresh_token_reused", at.Add(-3*time.Second)
			}
			for _, f := range w.Observe(ex) {
				if redact.HasJWT(f.Message) {
					t.Fatalf("message holds a token: %q", f.Message)
				}
				if f.At.Before(last) {
					t.Fatalf("finding at %v after one at %v", f.At, last)
				}
				last = f.At
				if seen[f.Key()] && f.Kind != diagnose.ConcurrentRefresh {
					t.Fatalf("finding %+v made twice", f.Key())
				}
				seen[f.Key()] = true
				if f.Kind == diagnose.RefreshAfterLogout {
					if loggedOut[ex.Session] {
						t.Fatalf("refresh-after-logout twice for session %q", ex.Session)
					}
					loggedOut[ex.Session] = true
				}
				if f.Severity != f.Kind.Severity() || len(f.EventIDs) == 0 || f.Message == "" {
					t.Fatalf("incomplete finding %+v", f)
				}
				if _, err := json.Marshal(f); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}
