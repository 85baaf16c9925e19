package mock_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/appmaker/refresh-conformance/internal/cputime"
	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/spec"
)

// The benchmarks below measure the refresh path in-process, without a socket: what one
// request costs the mock itself. `make bench` runs them with -benchmem and prints them
// next to the loopback load run (docs/PERFORMANCE.md).

// benchServer is a mock as the binary runs it (wall clock, crypto/rand, logging off).
func benchServer(b *testing.B) (*mock.Server, *spec.Spec) {
	b.Helper()
	doc, err := spec.Load()
	if err != nil {
		b.Fatal(err)
	}
	srv, err := mock.NewServer(doc)
	if err != nil {
		b.Fatal(err)
	}
	return srv, doc
}

// refreshRequest is what a client sends: bearer access token and a JSON body. It is built
// with http.NewRequest, which costs less than httptest.NewRequest's parsing: in the real
// server net/http's own reading of the request stands in its place.
func refreshRequest(srv *mock.Server, accessToken, body string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, "http://localhost:5001"+srv.BasePath()+"/auth/refresh-token", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if accessToken != "" {
		req.Header.Set("Authorization", "Bearer "+accessToken)
	}
	return req
}

// nextPair picks the token pair out of a 201 body without a JSON decoder, so that the
// benchmark loop adds as little as possible to what it measures.
func nextPair(b *testing.B, body []byte) (access, refresh string) {
	return field(b, body, `"accessToken":"`), field(b, body, `"refreshToken":"`)
}

func field(b *testing.B, body []byte, opening string) string {
	i := bytes.Index(body, []byte(opening))
	if i < 0 {
		b.Fatalf("no %s in %s", opening, body)
	}
	rest := body[i+len(opening):]
	return string(rest[:bytes.IndexByte(rest, '"')])
}

// BenchmarkRefreshRotation is a successful rotation through ServeHTTP: credentials,
// request validation, signature check, store update, two new JWTs and the 201 body.
// Each iteration presents the pair the previous one answered, as a client does.
func BenchmarkRefreshRotation(b *testing.B) {
	srv, _ := benchServer(b)
	benchRotations(b, srv)
}

// benchRotations rotates one new session of srv b.N times, each time with the pair the
// previous rotation answered, and reports the CPU time per rotation.
func benchRotations(b *testing.B, srv *mock.Server) {
	b.Helper()
	s, err := srv.NewSession(context.Background(), mock.NewSessionRequest{})
	if err != nil {
		b.Fatal(err)
	}
	access, refresh := s.AccessToken, s.RefreshToken
	b.ReportAllocs()
	start := cputime.Used()
	for b.Loop() {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, refreshRequest(srv, access, `{"refreshToken":"`+refresh+`"}`))
		if rec.Code != http.StatusCreated {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		access, refresh = nextPair(b, rec.Body.Bytes())
	}
	cputime.Report(b, start)
}

// BenchmarkRefreshRotationParallel is the same rotation from GOMAXPROCS goroutines, each
// on its own session: it shows whether unrelated sessions wait for each other.
func BenchmarkRefreshRotationParallel(b *testing.B) {
	srv, _ := benchServer(b)
	b.ReportAllocs()
	start := cputime.Used()
	b.RunParallel(func(pb *testing.PB) {
		s, err := srv.NewSession(context.Background(), mock.NewSessionRequest{})
		if err != nil {
			b.Error(err)
			return
		}
		access, refresh := s.AccessToken, s.RefreshToken
		for pb.Next() {
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, refreshRequest(srv, access, `{"refreshToken":"`+refresh+`"}`))
			if rec.Code != http.StatusCreated {
				b.Errorf("status %d: %s", rec.Code, rec.Body)
				return
			}
			access, refresh = nextPair(b, rec.Body.Bytes())
		}
	})
	cputime.Report(b, start)
}

// BenchmarkRefresh401 is a refresh token the mock never issued, with valid credentials:
// it passes validation and fails at the signature check (step 3).
func BenchmarkRefresh401(b *testing.B) {
	srv, _ := benchServer(b)
	s, err := srv.NewSession(context.Background(), mock.NewSessionRequest{})
	if err != nil {
		b.Fatal(err)
	}
	body := `{"refreshToken":"` + s.RefreshToken[:len(s.RefreshToken)-4] + `AAAA"}`
	b.ReportAllocs()
	start := cputime.Used()
	for b.Loop() {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, refreshRequest(srv, s.AccessToken, body))
		if rec.Code != http.StatusUnauthorized {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	cputime.Report(b, start)
}

// BenchmarkRefresh400 is a body the document rejects (refreshToken is a number): the
// validator's findings become the 400 body.
func BenchmarkRefresh400(b *testing.B) {
	srv, _ := benchServer(b)
	s, err := srv.NewSession(context.Background(), mock.NewSessionRequest{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	start := cputime.Used()
	for b.Loop() {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, refreshRequest(srv, s.AccessToken, `{"refreshToken":42}`))
		if rec.Code != http.StatusBadRequest {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	cputime.Report(b, start)
}
