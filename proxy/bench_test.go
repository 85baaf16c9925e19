package proxy_test

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkLoopbackRefresh times one refresh at a time against the mock on loopback,
// directly and through the proxy, each with a fresh session (made outside the timing).
// p50-µs is the median exchange as the app sees it; the difference between the two is
// what the proxy adds.
func BenchmarkLoopbackRefresh(b *testing.B) {
	upstream := startMock(b)
	direct := strings.TrimSuffix(upstream, "/api/v1")
	_, via := startProxy(b, upstream)
	for _, c := range []struct{ name, base string }{{"direct", direct}, {"proxy", via}} {
		b.Run(c.name, func(b *testing.B) {
			took := make([]time.Duration, 0, b.N)
			for range b.N {
				b.StopTimer()
				pair := session(b, direct)
				b.StartTimer()
				start := time.Now()
				if a := refresh(b, c.base, pair.AccessToken, pair.RefreshToken); a.status != 201 {
					b.Fatalf("refresh answered %d %s", a.status, a.body)
				}
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2])/float64(time.Microsecond), "p50-µs")
			b.ReportMetric(float64(took[len(took)*9/10])/float64(time.Microsecond), "p90-µs")
		})
	}
}
