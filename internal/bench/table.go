package bench

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// report is everything one Run measured, written as Markdown by write.
type report struct {
	Started               time.Time
	Took                  time.Duration
	Machine               string
	LoadBefore, LoadAfter string
	Wrk                   bool
	Variants              []variant
	Skipped               []string      // variants left out, and why
	Rounds                [][]serverRun // [round][variant], in Variants' order
	Memory                MemoryResult
	GoBench               []GoBenchmark
}

// benchmarkNotes says what each in-process benchmark measures.
var benchmarkNotes = map[string]string{
	"RefreshRotation":             "successful rotation through ServeHTTP (credentials, validation, JWTs, store, 201 body)",
	"RefreshRotationParallel":     "the same from GOMAXPROCS goroutines, one session each",
	"Refresh401":                  "401: a refresh token with a bad signature",
	"Refresh400":                  "400: refreshToken is a number; the validator's findings become the body",
	"ValidateInput":               "request validation alone (spec.ValidateInput)",
	"ValidateSecurity":            "security validation alone (spec.ValidateSecurity)",
	"ValidateResponse":            "response validation alone (spec.ValidateResponse, a 201)",
	"LoopbackRefresh/direct":      "a rotation over loopback HTTP, straight to the mock",
	"LoopbackRefresh/proxy":       "the same through appmaker-mock proxy in front of it (issue 20: under 1 ms more at p50)",
	"RotationValidationAndAnswer": "a rotation's request validation (security, body) and 201 body, without the tokens' crypto and the store",
}

func (r report) write(w io.Writer) {
	fmt.Fprintf(w, "## make bench, %s\n\n", r.Started.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "Machine: %s. Load average before the run %s, after it %s; the run took %s.\n\n",
		r.Machine, r.LoadBefore, r.LoadAfter, r.Took.Round(time.Second))
	r.writeTargets(w)
	r.writeLoad(w)
	writeMemory(w, r.Memory)
	if len(r.GoBench) > 0 {
		writeGoBench(w, r.GoBench)
	}
}

// The runs of a round and the metrics of a run that the summaries take medians of.
func (r report) series(v int, metric func(run, reference serverRun) float64) []float64 {
	out := make([]float64, len(r.Rounds))
	for i, round := range r.Rounds {
		out[i] = metric(round[v], round[0])
	}
	return out
}

var (
	successPerSecond = func(s, _ serverRun) float64 { return s.SuccessPerSecond() }
	successRatio     = func(s, ref serverRun) float64 { return ratio(s.SuccessPerSecond(), ref.SuccessPerSecond()) }
	cpuPerAnswer     = func(s, _ serverRun) float64 { return float64(s.CPUPerAnswer()) }
	cpuRatio         = func(s, ref serverRun) float64 { return ratio(float64(s.CPUPerAnswer()), float64(ref.CPUPerAnswer())) }
	generatorCPU     = func(s, _ serverRun) float64 { return float64(s.GeneratorCPUPerAnswer()) }
	peakRSS          = func(s, _ serverRun) float64 { return float64(s.PeakRSS) }
	otherCores       = func(s, _ serverRun) float64 { return s.OtherCores() }
)

func ratio(v, reference float64) float64 {
	if reference <= 0 {
		return 0
	}
	return v / reference
}

// writeDiagnosticsTarget is issue 24's row: the mock's throughput with its client
// diagnostics against without them, each round's ratio taken within the round.
func (r report) writeDiagnosticsTarget(w io.Writer) {
	on := slices.IndexFunc(r.Variants, func(v variant) bool { return v.targets })
	off := slices.IndexFunc(r.Variants, func(v variant) bool { return v.diagnosticsOff })
	if on < 0 || off < 0 {
		return
	}
	var rs []float64
	for _, round := range r.Rounds {
		rs = append(rs, ratio(round[on].SuccessPerSecond(), round[off].SuccessPerSecond()))
	}
	fmt.Fprintf(w, "| successful rotations/s, %s / %s (issue 24): at least %.2f | %s (rounds: %s) | %s%s |\n",
		r.Variants[on].name, r.Variants[off].name, targetDiagnostics, ratioText(median(rs)), list(rs),
		verdict(median(rs) >= targetDiagnostics), straddle(rs, targetDiagnostics))
}

// writeTargets is the headline: the figures for each variant with targets.
func (r report) writeTargets(w io.Writer) {
	ref := r.Variants[0].name
	fmt.Fprintf(w, "| target (issue 16) | measured: median of %d rounds | |\n|---|---|---|\n", len(r.Rounds))
	for v, va := range r.Variants {
		if !va.targets {
			continue
		}
		rs := r.series(v, successRatio)
		fmt.Fprintf(w, "| successful rotations/s, %s / %s: at least %.1f | %s (rounds: %s) | %s%s |\n",
			va.name, ref, targetRatio, ratioText(median(rs)), list(rs), verdict(median(rs) >= targetRatio), straddle(rs, targetRatio))
		cs := r.series(v, cpuRatio)
		fmt.Fprintf(w, "| server CPU per answer, %s / %s | %s (rounds: %s) | no target |\n",
			va.name, ref, ratioText(median(cs)), list(cs))
		rss := r.series(v, peakRSS)
		fmt.Fprintf(w, "| peak RSS of %s under that load: at most %s | %s (highest round %s) | %s |\n",
			va.name, mib(targetRSS), mib(int64(median(rss))), mib(int64(slices.Max(rss))), verdict(median(rss) <= targetRSS))
	}
	r.writeDiagnosticsTarget(w)
	fmt.Fprintf(w, "| bytes per live session with %s sessions: at most %d | %s (one measurement) | %s |\n\n",
		num(float64(r.Memory.Sessions)), targetPerSession, num(r.Memory.PerSession()), verdict(r.Memory.PerSession() <= targetPerSession))
	others := slices.Concat(r.seriesAll(otherCores)...)
	fmt.Fprintf(w, "The machine's load during the load runs: besides the server and the generator, other processes kept a median of %.2f cores busy (runs from %.2f to %.2f, of %s).\n\n",
		median(others), slices.Min(others), slices.Max(others), strings.SplitN(r.Machine, ",", 2)[0])
}

// seriesAll is metric for every variant, each a series over the rounds.
func (r report) seriesAll(metric func(run, reference serverRun) float64) [][]float64 {
	out := make([][]float64, len(r.Variants))
	for v := range r.Variants {
		out[v] = r.series(v, metric)
	}
	return out
}

func (r report) writeLoad(w io.Writer) {
	fmt.Fprintf(w, "### Loopback load\n\nGenerator: %s", r.Rounds[0][0].Generator)
	if !r.Wrk {
		fmt.Fprint(w, " (wrk is not installed)")
	}
	fmt.Fprintf(w, ", the same for every server. %d rounds; in each, every server is started afresh and loaded in turn, ", len(r.Rounds))
	fmt.Fprint(w, "each round starting with the next one. Every request presents a current refresh token and each 201's pair is chained into the next request; ")
	fmt.Fprint(w, "the mock's pool of sessions is minted through POST /__mock/sessions. ")
	fmt.Fprint(w, "The minting reference signs an HS256 JWT with golang-jwt and draws a random token for every answer, reading nothing and keeping nothing.\n\n")
	fmt.Fprintln(w, "| server | successful rotations/s | ratio | p99 | server CPU per answer | ratio | peak RSS (highest) | non-201, all rounds | errors, all rounds | generator CPU per answer |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for v, va := range r.Variants {
		var non201, errs int64
		for _, round := range r.Rounds {
			non201 += round[v].Non201
			errs += round[v].Errors
		}
		rss := r.series(v, peakRSS)
		p99 := time.Duration(median(r.series(v, func(run, _ serverRun) float64 { return float64(run.P99) })))
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s (%s) | %d | %d | %s |\n", va.name,
			num(median(r.series(v, successPerSecond))), ratioText(median(r.series(v, successRatio))), p99.Round(time.Microsecond),
			duration(median(r.series(v, cpuPerAnswer))), ratioText(median(r.series(v, cpuRatio))),
			mib(int64(median(rss))), mib(int64(slices.Max(rss))), non201, errs, duration(median(r.series(v, generatorCPU))))
	}
	for _, note := range r.Skipped {
		fmt.Fprintf(w, "\nLeft out: %s.\n", note)
	}
	fmt.Fprintf(w, "\nMedians over the rounds; a ratio is the median of the rounds' ratios to the %s in the same round. Every round:\n\n", r.Variants[0].name)
	fmt.Fprintln(w, "| round | server | successful rotations/s | p50 | p99 | answers | non-201 | errors | peak RSS | server CPU per answer | generator CPU per answer | other load, cores |")
	fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for i, round := range r.Rounds {
		for v, s := range round {
			fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %s | %d | %d | %s | %s | %s | %.2f |\n", i+1, r.Variants[v].name,
				num(s.SuccessPerSecond()), s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond), num(float64(s.Requests)),
				s.Non201, s.Errors, mib(s.PeakRSS), duration(float64(s.CPUPerAnswer())),
				duration(float64(s.GeneratorCPUPerAnswer())), s.OtherCores())
		}
	}
	fmt.Fprintln(w)
}

func writeMemory(w io.Writer, m MemoryResult) {
	fmt.Fprintf(w, "### Memory\n\n")
	fmt.Fprintln(w, "| sessions in the store | live heap they add | bytes per session | swept after the refresh lifetime | live heap left after the sweep |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|")
	left := "none (the heap is back at or below the empty store's)"
	if m.LeftAfterSweep > 0 {
		left = fmt.Sprintf("%s (%.1f%% of it)", mib(m.LeftAfterSweep), 100*float64(m.LeftAfterSweep)/float64(max(m.Added, 1)))
	}
	fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", num(float64(m.Sessions)), mib(m.Added), num(m.PerSession()), num(float64(m.Swept)), left)
	fmt.Fprintf(w, "\nSessions started as POST /__mock/sessions starts them, on a fake clock; the clock then moves on by the refresh lifetime (%s) and one sweep runs.\n\n", m.RefreshLifetime)
}

func writeGoBench(w io.Writer, benches []GoBenchmark) {
	fmt.Fprintf(w, "### In-process benchmarks\n\n`go %s` (cpu-ns/op: process CPU time per operation, garbage collection included).\n\n",
		strings.Join(GoBenchArgs, " "))
	fmt.Fprintln(w, "| benchmark | what | ns/op | cpu-ns/op | B/op | allocs/op | p50 |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|")
	for _, b := range benches {
		p50 := ""
		if v, ok := b.Metrics["p50-µs"]; ok {
			p50 = fmt.Sprintf("%.0f µs", v)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", b.Name, benchmarkNotes[b.Name],
			num(b.Metrics["ns/op"]), num(b.Metrics["cpu-ns/op"]), num(b.Metrics["B/op"]), num(b.Metrics["allocs/op"]), p50)
	}
	fmt.Fprintln(w)
}

// straddle warns when some rounds are on each side of target: the verdict then rests on
// the noise between rounds as much as on the servers, and one run cannot settle it.
func straddle(vs []float64, target float64) string {
	if len(vs) > 0 && slices.Min(vs) < target && slices.Max(vs) >= target {
		return ", with rounds on both sides of it: more rounds (--rounds) tell the noise from the servers"
	}
	return ""
}

// ratioText writes a ratio cut, not rounded, to three decimals: a ratio shown as 0.700
// meets a target of 0.7, and one just under it never shows as 0.70.
func ratioText(v float64) string { return fmt.Sprintf("%.3f", math.Floor(v*1000)/1000) }

// list writes ratios as "0.733, 0.721, 0.698".
func list(vs []float64) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = ratioText(v)
	}
	return strings.Join(out, ", ")
}

// median of vs; the mean of the middle two for an even count.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(vs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}

// duration writes nanoseconds as a duration to 0.1 µs.
func duration(ns float64) string { return time.Duration(ns).Round(100 * time.Nanosecond).String() }

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// num writes v with thousands separators, without decimals from 100 up.
func num(v float64) string {
	if v < 100 {
		return fmt.Sprintf("%.1f", v)
	}
	s := strconv.FormatFloat(v, 'f', 0, 64)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
