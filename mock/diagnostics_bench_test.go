package mock_test

import (
	"testing"

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
			benchRotations(b, srv)
		})
	}
}
