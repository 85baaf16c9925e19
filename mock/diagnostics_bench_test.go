package mock_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/appmaker/refresh-conformance/internal/cputime"
	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/spec"
)

// BenchmarkRefreshRotationDiagnostics is BenchmarkRefreshRotation with the client diagnostics
// on (the default) and off (--diagnostics=false), side by side: what watching every refresh costs.
func BenchmarkRefreshRotationDiagnostics(b *testing.B) {
	for _, c := range []struct {
		name string
		on   bool
	}{{"on", true}, {"off", false}} {
		b.Run(c.name, func(b *testing.B) {
			doc, err := spec.Load()
			if err != nil {
				b.Fatal(err)
			}
			srv, err := mock.NewServer(doc, mock.WithDiagnostics(c.on))
			if err != nil {
				b.Fatal(err)
			}
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
		})
	}
}
