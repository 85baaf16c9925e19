package cputime

import (
	"testing"
	"time"
)

// Report adds a cpu-ns/op metric to b: the process CPU time used since start, per
// iteration. Call it after the benchmark loop, with start taken from Used before it.
func Report(b *testing.B, start time.Duration) {
	if used := Used() - start; used > 0 && start > 0 && b.N > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
