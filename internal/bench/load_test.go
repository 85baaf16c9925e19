package bench

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/spec"
)

const refreshPath = "/api/v1/auth/refresh-token"

// generators are the two ways make bench loads a server. wrk is skipped, saying why,
// where it is not installed.
func generators(t *testing.T) map[string]func(t *testing.T, l Load) LoadResult {
	return map[string]func(t *testing.T, l Load) LoadResult{
		"go": func(t *testing.T, l Load) LoadResult {
			res, err := RunGo(l)
			if err != nil {
				t.Fatal(err)
			}
			return res
		},
		"wrk": func(t *testing.T, l Load) LoadResult {
			wrk := WrkPath()
			if wrk == "" {
				t.Skip("wrk is not installed (Debian package wrk); make bench then uses the Go generator")
			}
			res, err := RunWrk(context.Background(), wrk, t.TempDir(), l)
			if err != nil {
				t.Fatal(err)
			}
			return res
		},
	}
}

// serve serves h on a loopback port until the test ends, and returns its address.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: h}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return ln.Addr().String()
}

// TestGeneratorsChainRotations loads the real mock as make bench does: every answer must
// be a 201, and there must be more answers than sessions, which only chaining the pair
// of each answer into the next request gives (a refresh token works once).
func TestGeneratorsChainRotations(t *testing.T) {
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	for name, run := range generators(t) {
		t.Run(name, func(t *testing.T) {
			srv, err := mock.NewServer(doc)
			if err != nil {
				t.Fatal(err)
			}
			addr := serve(t, srv)
			pool, err := mintPool(context.Background(), addr, 8)
			if err != nil {
				t.Fatal(err)
			}
			res := run(t, Load{Addr: addr, Path: refreshPath, Connections: 4, Threads: 2, Duration: time.Second, Pool: pool})
			if res.Non201 != 0 || res.Errors != 0 {
				t.Fatalf("%d answers, %d of them not 201 and %d errors; want none", res.Requests, res.Non201, res.Errors)
			}
			if res.Requests <= int64(len(pool)) {
				t.Fatalf("%d answers from a pool of %d sessions: the pairs were not chained", res.Requests, len(pool))
			}
		})
	}
}

// TestGeneratorsCountAnswersTheyCannotChain: an answer other than 201, or a 201 without
// a pair, ends its chain and is counted, so that make bench reports it.
func TestGeneratorsCountAnswersTheyCannotChain(t *testing.T) {
	answers := map[string]http.HandlerFunc{
		"401": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"message":"no"}`))
		},
		"201 without a pair": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"accessToken":"a"}`))
		},
	}
	for name, run := range generators(t) {
		for answer, h := range answers {
			t.Run(name+"/"+answer, func(t *testing.T) {
				addr := serve(t, h)
				pool := placeholderPool(4)
				res := run(t, Load{Addr: addr, Path: refreshPath, Connections: 2, Threads: 1, Duration: 500 * time.Millisecond, Pool: pool})
				if res.Requests == 0 || res.Non201 != res.Requests {
					t.Fatalf("%d answers, %d counted as not chainable; want all of them", res.Requests, res.Non201)
				}
			})
		}
	}
}
