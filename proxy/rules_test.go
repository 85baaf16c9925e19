package proxy_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/appmaker/refresh-conformance/internal/forged"
	"github.com/appmaker/refresh-conformance/proxy"
	"github.com/appmaker/refresh-conformance/spec"
)

// Each refresh rule, against an upstream built to break it: the rule fires once, on the
// exchange that broke it, and names the party that broke it.
func TestEachRefreshRuleFiresOnceAgainstABrokenUpstream(t *testing.T) {
	for _, c := range []struct {
		name     string
		upstream func() func(presented string) (int, any)
		// app sends its refreshes; it returns the tokens it saw.
		app      func(t *testing.T, base string) []string
		rule     proxy.Rule
		party    proxy.Party
		exchange uint64
		status   int
	}{
		{
			name: "no rotation: the 201 answers the refresh token presented",
			upstream: func() func(string) (int, any) {
				return func(presented string) (int, any) { return 201, pairOf(presented) }
			},
			app: func(t *testing.T, base string) []string {
				rt := forged.Garbage()
				refresh(t, base, accessToken(), rt)
				return []string{rt}
			},
			rule: proxy.RuleNoRotation, party: proxy.PartyServer, exchange: 1, status: 201,
		},
		{
			name: "reuse accepted: a rotated token is answered 201 again with another pair",
			upstream: func() func(string) (int, any) {
				return func(string) (int, any) { return 201, pairOf(forged.Garbage()) }
			},
			app: func(t *testing.T, base string) []string {
				rt := forged.Garbage()
				first := refresh(t, base, accessToken(), rt).pair(t)
				second := refresh(t, base, first.AccessToken, rt).pair(t)
				return []string{rt, first.RefreshToken, second.RefreshToken}
			},
			rule: proxy.RuleReuseAccepted, party: proxy.PartyServer, exchange: 2, status: 201,
		},
		{
			name: "a refresh token handed out twice",
			upstream: func() func(string) (int, any) {
				same := forged.Garbage()
				return func(string) (int, any) { return 201, pairOf(same) }
			},
			app: func(t *testing.T, base string) []string {
				a, b := forged.Garbage(), forged.Garbage()
				answered := refresh(t, base, accessToken(), a).pair(t)
				refresh(t, base, accessToken(), b) // another session, answered the same token
				return []string{a, b, answered.RefreshToken}
			},
			rule: proxy.RuleRefreshTokenReissued, party: proxy.PartyServer, exchange: 2, status: 201,
		},
		{
			name: "the app presents a token the server already rotated, and the server refuses it",
			upstream: func() func(string) (int, any) {
				var mu sync.Mutex
				used := map[string]bool{}
				return func(presented string) (int, any) {
					mu.Lock()
					defer mu.Unlock()
					if used[presented] {
						return 401, spec.UnauthorizedError{APIError: []string{"used"}}
					}
					used[presented] = true
					return 201, pairOf(forged.Garbage())
				}
			},
			app: func(t *testing.T, base string) []string {
				rt := forged.Garbage()
				next := refresh(t, base, accessToken(), rt).pair(t)
				refresh(t, base, next.AccessToken, rt)
				return []string{rt, next.RefreshToken}
			},
			rule: proxy.RuleSpentTokenPresented, party: proxy.PartyClient, exchange: 2, status: 401,
		},
		{
			name: "an answer the document does not declare",
			upstream: func() func(string) (int, any) {
				return func(string) (int, any) { return 200, map[string]string{"status": "ok"} }
			},
			app: func(t *testing.T, base string) []string {
				rt := forged.Garbage()
				refresh(t, base, accessToken(), rt)
				return []string{rt}
			},
			rule: proxy.RuleInvalidResponse, party: proxy.PartyServer, exchange: 1, status: 200,
		},
		{
			name: "a 201 whose refresh token is not a string",
			upstream: func() func(string) (int, any) {
				return func(string) (int, any) {
					return 201, map[string]any{"accessToken": accessToken(), "refreshToken": 42}
				}
			},
			app: func(t *testing.T, base string) []string {
				rt := forged.Garbage()
				refresh(t, base, accessToken(), rt)
				return []string{rt}
			},
			rule: proxy.RuleInvalidResponse, party: proxy.PartyServer, exchange: 1, status: 201,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			col, base := startProxy(t, brokenUpstream(t, c.upstream()), proxy.WithAnnotate(true))
			tokens := c.app(t, base)
			got := col.of(c.rule)
			if len(got) != 1 {
				t.Fatalf("%s fired %d times, want once; all: %+v", c.rule, len(got), col.violations())
			}
			v := got[0]
			if v.Party != c.party || v.Exchange.ID != c.exchange || v.Exchange.Status != c.status {
				t.Errorf("%s: party %s on exchange %d (%d), want %s on exchange %d (%d)",
					c.rule, v.Party, v.Exchange.ID, v.Exchange.Status, c.party, c.exchange, c.status)
			}
			if v.Location == "" || v.Description == "" || v.Seen == "" || v.Exchange.Curl == "" {
				t.Errorf("the violation does not say where the rule is written or what was seen: %+v", v)
			}
			noSecrets(t, col.text(), tokens...)
		})
	}
}

// A grace window answers a replay with the pair it answered first: the server is right,
// only the app that replayed is told.
func TestAGraceReplayIsTheClientsViolationOnly(t *testing.T) {
	var mu sync.Mutex
	pairs := map[string]spec.TokenPair{}
	upstream := brokenUpstream(t, func(presented string) (int, any) {
		mu.Lock()
		defer mu.Unlock()
		if _, ok := pairs[presented]; !ok {
			pairs[presented] = pairOf(forged.Garbage())
		}
		return 201, pairs[presented]
	})
	col, base := startProxy(t, upstream)
	rt := forged.Garbage()
	first := refresh(t, base, accessToken(), rt).pair(t)
	if replay := refresh(t, base, first.AccessToken, rt).pair(t); replay != first {
		t.Fatal("the upstream did not replay its pair")
	}
	vs := col.violations()
	if len(vs) != 1 || vs[0].Rule != proxy.RuleSpentTokenPresented {
		t.Fatalf("violations = %+v, want only the client's spent-token-presented", vs)
	}
}

// Two requests presenting one token at once (two tabs, no single flight): the second is
// reported while both are in flight, whatever the server answers.
func TestATokenPresentedTwiceAtOnceIsTheClientsViolation(t *testing.T) {
	arrived := make(chan struct{}, 2)
	release := make(chan struct{})
	var mu sync.Mutex
	answered := map[string]bool{}
	upstream := brokenUpstream(t, func(presented string) (int, any) {
		arrived <- struct{}{}
		<-release
		mu.Lock()
		defer mu.Unlock()
		if answered[presented] {
			return 401, spec.UnauthorizedError{APIError: []string{"reused"}}
		}
		answered[presented] = true
		return 201, pairOf(forged.Garbage())
	})
	col, base := startProxy(t, upstream)
	rt := forged.Garbage()
	done := make(chan error, 2)
	tab := func() { _, err := tryRefresh(base, accessToken(), rt); done <- err }
	go tab()
	<-arrived // the first tab's refresh is at the server
	go tab()
	<-arrived
	close(release)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	got := col.of(proxy.RuleSpentTokenPresented)
	if len(got) != 1 || got[0].Exchange.ID != 2 || !strings.Contains(got[0].Seen, "at the same time") {
		t.Fatalf("spent-token-presented = %+v, want once, on exchange 2, saying both were in flight", got)
	}
	if server := col.of(proxy.RuleReuseAccepted); len(server) != 0 {
		t.Fatalf("the server refused the second request, yet reuse-accepted fired: %+v", server)
	}
}
