package diagnose_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock/diagnose"
)

// Each message says what happened, with the facts a developer checks, and what usually fixes it.
func TestMessages(t *testing.T) {
	for _, tc := range []struct {
		name string
		exs  []diagnose.Exchange
		says []string
	}{
		{"concurrent-refresh", []diagnose.Exchange{rotate(1, 0, "9f86d081884c", 4), refuse(2, 0, "9f86d081884c", 4, reused)},
			[]string{"2 requests", "generation 4", "fingerprint 9f86d081884c", "within 2s", "single-flight", "Web Locks API", "BroadcastChannel"}},
		{"concurrent-refresh hidden by grace", []diagnose.Exchange{rotate(1, 0, "aa", 4), replay(2, 0, "aa", 4)},
			[]string{"the grace window answered them here"}},
		{"stale-token-replay", []diagnose.Exchange{rotate(1, 0, "aa", 3), rotate(2, time.Minute, "bb", 4), refuse(3, 4*time.Minute+12*time.Second, "aa", 3, reused)},
			[]string{"generation 3", "4m12s after", "generation 5 was current", "revoked", "adopt the token another tab stored"}},
		{"refresh-after-logout", []diagnose.Exchange{refuse(1, 0, "aa", 2, reused), refuse(2, time.Minute, "aa", 2, revoked), refuse(3, 2*time.Minute, "aa", 2, revoked)},
			[]string{"more than 2s", "refresh_token_reused, event 1", "sign the user out"}},
		{"malformed-request, a near-miss name", []diagnose.Exchange{{At: t0, EventID: 1, Status: 400, BodyFields: []string{"refresh_token"}}},
			[]string{`"refresh_token"`, `"refreshToken"`, "case-sensitive"}},
		{"malformed-request, what was sent", []diagnose.Exchange{{At: t0, EventID: 1, Status: 400,
			BodyFields: []string{"token"}, Problems: map[string][]string{"refreshToken": {"is required"}}}},
			[]string{`refreshToken is required`, `properties were "token"`, "Content-Type: application/json"}},
		{"malformed-request, the right name with a wrong value", []diagnose.Exchange{{At: t0, EventID: 1, Status: 400,
			BodyFields: []string{"refreshToken", "refresh_token"}, Problems: map[string][]string{"refreshToken": {"must be a string, got number"}}}},
			[]string{"refreshToken must be a string, got number"}},
		{"missing-credential", []diagnose.Exchange{{At: t0, EventID: 1, Status: 401, NoCredential: true}},
			[]string{"Authorization: Bearer", "x-access-token"}},
		{"refresh-storm", sequential(6, time.Second),
			[]string{"6 rotations", "limit 5/1m", "about to expire"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := diagnose.New(diagnose.Config{})
			var last diagnose.Finding
			for _, ex := range tc.exs {
				for _, f := range w.Observe(ex) {
					last = f
				}
			}
			for _, s := range tc.says {
				if !strings.Contains(last.Message, s) {
					t.Errorf("message %q\ndoes not say %q", last.Message, s)
				}
			}
		})
	}
}

// A token passed by mistake where a fingerprint belongs, or sent as a property name, never reaches a message.
func TestMessagesHoldNoToken(t *testing.T) {
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLWJ5dGVz"
	w, _ := diagnose.New(diagnose.Config{})
	var msgs []string
	for _, ex := range []diagnose.Exchange{
		rotate(1, 0, jwt, 1), refuse(2, 0, jwt, 1, reused),
		{At: t0, EventID: 3, Status: 400, BodyFields: []string{jwt}, Problems: map[string][]string{jwt: {"got " + jwt}}},
	} {
		for _, f := range w.Observe(ex) {
			msgs = append(msgs, f.Message)
		}
	}
	if len(msgs) != 2 {
		t.Fatalf("want a concurrent-refresh and a malformed-request finding, got %q", msgs)
	}
	for _, m := range msgs {
		if strings.Contains(m, "eyJ") {
			t.Errorf("message holds the token: %q", m)
		}
	}
}

func TestFindingJSON(t *testing.T) {
	w, _ := diagnose.New(diagnose.Config{})
	alone := w.Observe(diagnose.Exchange{At: t0, EventID: 7, Status: 400})
	w.Observe(rotate(1, 0, "aa", 3))
	raced := w.Observe(replay(2, time.Second, "aa", 3))
	for _, tc := range []struct {
		f    []diagnose.Finding
		want string
	}{
		{alone, `{"kind":"malformed-request","severity":"error","sessionId":null,"eventIds":[7],"at":"2025-06-01T12:00:00Z","message":`},
		{raced, `{"kind":"concurrent-refresh","severity":"error","sessionId":"s1","generation":3,"eventIds":[1,2],"at":"2025-06-01T12:00:01Z","message":`},
	} {
		if len(tc.f) != 1 {
			t.Fatalf("want one finding, got %v", tc.f)
		}
		b, err := json.Marshal(tc.f[0])
		if err != nil || !strings.HasPrefix(string(b), tc.want) {
			t.Errorf("JSON %s (%v)\nwant it to start %s", b, err, tc.want)
		}
	}
}

// A store keeps one finding per Key: a burst's later requests replace its finding, they do not add one.
func TestBurstKeepsItsKey(t *testing.T) {
	w, _ := diagnose.New(diagnose.Config{})
	store := map[diagnose.Key]diagnose.Finding{}
	for i := range int64(4) {
		for _, f := range w.Observe(replay(10+i, time.Duration(i)*time.Millisecond, "aa", 1)) {
			store[f.Key()] = f
		}
	}
	if len(store) != 1 {
		t.Fatalf("want one finding for the burst, got %d: %v", len(store), store)
	}
	for k, f := range store {
		if k.FirstEvent != 10 || len(f.EventIDs) != 4 || !strings.HasPrefix(f.Message, "4 requests") {
			t.Errorf("key %+v, finding %+v: want the whole burst of 4 from event 10", k, f)
		}
	}
}
