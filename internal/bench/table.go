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

// benchmarkNotes says what each in-process benchmark measures.
var benchmarkNotes = map[string]string{
	"RefreshRotation":             "successful rotation through ServeHTTP (credentials, validation, JWTs, store, 201 body)",
	"RefreshRotationParallel":     "the same from GOMAXPROCS goroutines, one session each",
	"Refresh401":                  "401: a refresh token with a bad signature",
	"Refresh400":                  "400: refreshToken is a number; the validator's findings become the body",
	"ValidateInput":               "request validation alone (spec.ValidateInput)",
	"ValidateSecurity":            "security validation alone (spec.ValidateSecurity)",
	"ValidateResponse":            "response validation alone (spec.ValidateResponse, a 201)",
	"RotationValidationAndAnswer": "a rotation's request validation (security, body) and 201 body, without the tokens' crypto and the store",
}

func writeGoBench(w io.Writer, benches []GoBenchmark) {
	fmt.Fprintf(w, "### 1. In-process benchmarks\n\n`go %s` (cpu-ns/op: process CPU time per operation, garbage collection included).\n\n",
		strings.Join(GoBenchArgs, " "))
	fmt.Fprintln(w, "| benchmark | what | ns/op | cpu-ns/op | B/op | allocs/op |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|")
	for _, b := range benches {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", b.Name, benchmarkNotes[b.Name],
			num(b.Metrics["ns/op"]), num(b.Metrics["cpu-ns/op"]), num(b.Metrics["B/op"]), num(b.Metrics["allocs/op"]))
	}
	for _, b := range benches {
		switch b.Name {
		case "RotationValidationAndAnswer":
			fmt.Fprintf(w, "\nTarget: request validation plus response building for a rotation under %s per request in-process: %s (%s).",
				time.Duration(targetRotationNsOp), time.Duration(b.Metrics["ns/op"]).Round(100*time.Nanosecond),
				verdict(b.Metrics["ns/op"] < targetRotationNsOp))
		case "RefreshRotation":
			fmt.Fprintf(w, "\nThe whole rotation, tokens verified and signed and the store updated: %s.",
				time.Duration(b.Metrics["ns/op"]).Round(100*time.Nanosecond))
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
}

func writeLoad(w io.Writer, rounds []loadRound, wrk bool) {
	fmt.Fprintf(w, "### 2. Loopback load\n\nGenerator: %s", rounds[0].mock.Generator)
	if !wrk {
		fmt.Fprint(w, " (wrk is not installed)")
	}
	fmt.Fprintf(w, "; the same for every server. %d rounds, each the mock, then the bare server, then the bare server answering tokens as long as the mock's, then the bare server minting a pair per request; each server started afresh. ", len(rounds))
	fmt.Fprint(w, "The mock's load is successful rotations only: ")
	fmt.Fprint(w, "every request presents a current refresh token from a pool of sessions minted through POST /__mock/sessions, ")
	fmt.Fprint(w, "each answer's pair chained into the next request. ")
	fmt.Fprint(w, "The sized bare server answers tokens of the mock's mean length, which the generator sends back: ")
	fmt.Fprint(w, "its bodies are about the mock's size (it adds neither Cache-Control nor Pragma). ")
	fmt.Fprint(w, "The minting bare server signs an HS256 JWT with golang-jwt and draws a random token for every answer, ")
	fmt.Fprint(w, "reading nothing and keeping nothing: issue 6's reference for the least a token server does.\n\n")
	fmt.Fprintln(w, "| round | server | requests/s | p50 | p99 | answers | non-201 | errors | peak RSS | server CPU per answer | generator CPU per answer | ratio to bare |")
	fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	var mockNon201, mockRSS int64
	for i, r := range rounds {
		mockNon201 += r.mock.Non201
		mockRSS = max(mockRSS, r.mock.PeakRSS)
		writeLoadRow(w, strconv.Itoa(i+1), "appmaker-mock --log off", r.mock, ratioText(r.ratio(r.mock)))
		writeLoadRow(w, strconv.Itoa(i+1), "bare net/http, fixed 201 body", r.bare, "")
		writeLoadRow(w, strconv.Itoa(i+1), fmt.Sprintf("bare net/http, tokens of %d characters", r.sized.TokenLength), r.sized,
			ratioText(r.ratio(r.sized)))
		writeLoadRow(w, strconv.Itoa(i+1), "bare net/http, minting a JWT and a random token", r.minting, ratioText(r.ratio(r.minting)))
	}
	mockRatios, sizedRatios := series(rounds, mockOf, ratioToBare), series(rounds, sizedOf, ratioToBare)
	mintingRatios := series(rounds, mintingOf, ratioToBare)
	mockRatio := median(mockRatios)
	fmt.Fprintf(w, "\nMedian ratio mock/bare, requests/s: %s (rounds: %s; target at least %.1f: %s%s); median requests/s: mock %s, bare %s. ",
		ratioText(mockRatio), list(mockRatios), targetRatio, verdict(mockRatio >= targetRatio), straddle(mockRatios, targetRatio),
		num(median(series(rounds, mockOf, rps))), num(median(series(rounds, bareOf, rps))))
	fmt.Fprintf(w, "Mock peak RSS, highest round: %s (target at most %s: %s). ", mib(mockRSS), mib(targetRSS), verdict(mockRSS <= targetRSS))
	fmt.Fprintf(w, "Non-201 answers from the mock, all rounds: %d (must be 0: %s). ", mockNon201, verdict(mockNon201 == 0))
	mockToMinting := series(rounds, mockOf, ratioToMinting)
	fmt.Fprintf(w, "The sized bare server's median ratio to the bare one: %s (rounds: %s); the minting one's: %s (rounds: %s), and the mock's to the minting one: %s (rounds: %s). ",
		ratioText(median(sizedRatios)), list(sizedRatios), ratioText(median(mintingRatios)), list(mintingRatios),
		ratioText(median(mockToMinting)), list(mockToMinting))
	perAnswer := func(run func(loadRound) serverRun, metric func(loadRound, serverRun) float64) time.Duration {
		return time.Duration(median(series(rounds, run, metric))).Round(100 * time.Nanosecond)
	}
	fmt.Fprintf(w, "Median server CPU per answer: mock %s, bare %s, bare with the mock's token length %s, minting bare %s. ",
		perAnswer(mockOf, serverCPU), perAnswer(bareOf, serverCPU), perAnswer(sizedOf, serverCPU), perAnswer(mintingOf, serverCPU))
	fmt.Fprintf(w, "Median generator CPU per answer, on the same two cores: against the mock %s, the bare server %s, the sized bare server %s, the minting one %s.\n\n",
		perAnswer(mockOf, generatorCPU), perAnswer(bareOf, generatorCPU), perAnswer(sizedOf, generatorCPU), perAnswer(mintingOf, generatorCPU))
}

// The runs of a round and the metrics of a run that the summary takes medians of.
var (
	mockOf    = func(r loadRound) serverRun { return r.mock }
	bareOf    = func(r loadRound) serverRun { return r.bare }
	sizedOf   = func(r loadRound) serverRun { return r.sized }
	mintingOf = func(r loadRound) serverRun { return r.minting }

	rps            = func(_ loadRound, s serverRun) float64 { return s.RPS() }
	ratioToBare    = func(r loadRound, s serverRun) float64 { return r.ratio(s) }
	ratioToMinting = func(r loadRound, s serverRun) float64 { return rpsRatio(s, r.minting) }
	serverCPU      = func(_ loadRound, s serverRun) float64 { return float64(s.CPUPerAnswer()) }
	generatorCPU   = func(_ loadRound, s serverRun) float64 { return float64(s.GeneratorCPUPerAnswer()) }
)

// series is metric of one run of every round, in round order.
func series(rounds []loadRound, run func(loadRound) serverRun, metric func(loadRound, serverRun) float64) []float64 {
	out := make([]float64, len(rounds))
	for i, r := range rounds {
		out[i] = metric(r, run(r))
	}
	return out
}

// straddle warns when some rounds are on each side of target: the verdict then rests on
// the noise between rounds as much as on the servers, and one run cannot settle it.
func straddle(vs []float64, target float64) string {
	if slices.Min(vs) < target && slices.Max(vs) >= target {
		return ", with rounds on both sides of it: more runs or rounds (--rounds) tell the noise from the servers"
	}
	return ""
}

// ratioText writes a ratio cut, not rounded, to three decimals: a ratio shown as 0.600
// meets a target of 0.6, and one just under it never shows as 0.60.
func ratioText(v float64) string { return fmt.Sprintf("%.3f", math.Floor(v*1000)/1000) }

// list writes ratios as "0.533, 0.521, 0.498".
func list(vs []float64) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = ratioText(v)
	}
	return strings.Join(out, ", ")
}

// ratio is run's requests/s over the bare server's in the same round.
func (r loadRound) ratio(run serverRun) float64 { return rpsRatio(run, r.bare) }

// rpsRatio is run's requests/s over reference's.
func rpsRatio(run, reference serverRun) float64 {
	if reference.RPS() <= 0 {
		return 0
	}
	return run.RPS() / reference.RPS()
}

func writeLoadRow(w io.Writer, round, name string, r serverRun, ratio string) {
	fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %d | %d | %s | %s | %s | %s |\n", round, name, num(r.RPS()),
		r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), num(float64(r.Requests)),
		r.Non201, r.Errors, mib(r.PeakRSS), r.CPUPerAnswer().Round(100*time.Nanosecond),
		r.GeneratorCPUPerAnswer().Round(100*time.Nanosecond), ratio)
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

func writeMemory(w io.Writer, m MemoryResult) {
	fmt.Fprintf(w, "### 3. Memory\n\n")
	fmt.Fprintln(w, "| sessions in the store | live heap they add | bytes per session | swept after the refresh lifetime | live heap left after the sweep |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|")
	left := "none (the heap is back at or below the empty store's)"
	if m.LeftAfterSweep > 0 {
		left = fmt.Sprintf("%s (%.1f%% of it)", mib(m.LeftAfterSweep), 100*float64(m.LeftAfterSweep)/float64(max(m.Added, 1)))
	}
	fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", num(float64(m.Sessions)), mib(m.Added), num(m.PerSession()), num(float64(m.Swept)), left)
	fmt.Fprintf(w, "\nSessions started as POST /__mock/sessions starts them, on a fake clock; the clock then moves on by the refresh lifetime (%s) and one sweep runs. ", m.RefreshLifetime)
	fmt.Fprintf(w, "Target at most %d bytes per session: %s.\n\n", targetPerSession, verdict(m.PerSession() <= targetPerSession))
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// num writes v with thousands separators, without decimals from 100 up.
func num(v float64) string {
	if v < 100 {
		return fmt.Sprintf("%.1f", v)
	}
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
