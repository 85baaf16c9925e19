package bench

import (
	"strings"
	"testing"
	"time"
)

func TestMedianOfOddAndEvenCounts(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{0.9, 0.1, 0.5, 0.7, 0.3}, 0.5},
	} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestStraddleWarnsOnlyWhenRoundsFallOnBothSides(t *testing.T) {
	for _, c := range []struct {
		rounds []float64
		warn   bool
	}{
		{[]float64{0.71, 0.75, 0.80}, false},
		{[]float64{0.50, 0.55, 0.69}, false},
		{[]float64{0.68, 0.70, 0.72}, true},
		{[]float64{0.699, 0.8}, true},
		{[]float64{0.7}, false},
	} {
		if got := straddle(c.rounds, 0.7) != ""; got != c.warn {
			t.Errorf("rounds %v: warned %v, want %v", c.rounds, got, c.warn)
		}
	}
}

// TestRatioTextNeverRoundsUpToTheTarget: a ratio just under the target must not print as
// the target next to "missed".
func TestRatioTextNeverRoundsUpToTheTarget(t *testing.T) {
	if got := ratioText(0.6999); got != "0.699" {
		t.Errorf("ratioText(0.6999) = %q, want 0.699", got)
	}
	if got := list([]float64{0.7, 0.7129}); got != "0.700, 0.712" {
		t.Errorf("list = %q, want 0.700, 0.712", got)
	}
}

// fakeRun is a load run of 10 s with rps successful answers a second, cpu of server CPU
// per answer and a peak RSS of rssMiB.
func fakeRun(rps int64, cpu time.Duration, rssMiB int64) serverRun {
	n := rps * 10
	return serverRun{
		LoadResult: LoadResult{Generator: "wrk", Requests: n, Elapsed: 10 * time.Second},
		PeakRSS:    rssMiB << 20, CPU: cpu * time.Duration(n), Others: 5 * time.Second,
	}
}

func fakeReport(mockRSSMiB int64) report {
	return report{
		Machine:  "2 cores, test CPU",
		Variants: variants(),
		Rounds: [][]serverRun{ // [round][reference, mock, mock without diagnostics, mock on Redis]
			{fakeRun(1000, 20*time.Microsecond, 14), fakeRun(800, 25*time.Microsecond, 30),
				fakeRun(800, 24*time.Microsecond, 30), fakeRun(400, 50*time.Microsecond, 30)},
			{fakeRun(1000, 20*time.Microsecond, 14), fakeRun(600, 40*time.Microsecond, mockRSSMiB),
				fakeRun(625, 38*time.Microsecond, 30), fakeRun(300, 80*time.Microsecond, 30)},
			{fakeRun(2000, 10*time.Microsecond, 14), fakeRun(1500, 15*time.Microsecond, 31),
				fakeRun(1600, 14*time.Microsecond, 31), fakeRun(700, 30*time.Microsecond, 31)},
		},
		Memory: MemoryResult{Sessions: 1_000_000, Added: 300_000_000},
	}
}

// TestReportHeadlineIsTheMedianOfEachRoundsRatio: the ratios are taken within a round
// (noise moves both servers of a round together) and the median is over rounds.
func TestReportHeadlineIsTheMedianOfEachRoundsRatio(t *testing.T) {
	var b strings.Builder
	fakeReport(32).write(&b)
	out := b.String()
	for _, want := range []string{
		"| 0.750 (rounds: 0.800, 0.600, 0.750) | met, with rounds on both sides of it",
		"| 1.500 (rounds: 1.250, 2.000, 1.500) | no target |",
		"| 31.0 MiB (highest round 32.0 MiB) | met |",
		"| 300 (one measurement) | met |",
		"other processes kept a median of 0.50 cores busy",
		"--diagnostics=false (issue 24): at least 0.95 | 0.960 (rounds: 1.000, 0.960, 0.937) | met, with rounds on both sides of it",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if rows := strings.Count(out, "\n| 2 | "); rows != len(variants()) {
		t.Errorf("round 2 has %d rows, want one per variant (%d):\n%s", rows, len(variants()), out)
	}
}

func TestReportJudgesPeakRSSOnTheMedianRound(t *testing.T) {
	var b strings.Builder
	r := fakeReport(200)
	r.Rounds[0][1].PeakRSS = 100 << 20
	r.write(&b)
	if want := "| 100.0 MiB (highest round 200.0 MiB) | missed |"; !strings.Contains(b.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, b.String())
	}
}

func TestParseBusyLeavesOutIdleAndIOWait(t *testing.T) {
	got, err := parseBusy("cpu  100 1 20 5000 300 2 3 4 0 0\ncpu0 50 0 10 2500 150 1 1 2 0 0\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := 130 * time.Second / userHZ; got != want {
		t.Errorf("busy = %s, want %s (user, nice, system, irq, softirq, steal)", got, want)
	}
	if _, err := parseBusy("intr 1 2 3\n"); err == nil {
		t.Error("a /proc/stat without the cpu line was accepted")
	}
}

func TestParseGoBenchReadsEveryMetric(t *testing.T) {
	out := []byte("goos: linux\nBenchmarkRefreshRotation-2   \t   50000\t     30500 ns/op\t     28100 cpu-ns/op\t   14000 B/op\t     160 allocs/op\nPASS\n")
	got := parseGoBench(out)
	if len(got) != 1 || got[0].Name != "RefreshRotation" {
		t.Fatalf("got %+v, want one benchmark named RefreshRotation", got)
	}
	for unit, want := range map[string]float64{"ns/op": 30500, "cpu-ns/op": 28100, "B/op": 14000, "allocs/op": 160} {
		if got[0].Metrics[unit] != want {
			t.Errorf("%s = %v, want %v", unit, got[0].Metrics[unit], want)
		}
	}
}
