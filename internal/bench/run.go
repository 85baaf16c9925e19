package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Config is one `make bench` run.
type Config struct {
	Dir            string        // the module's root: where go test and go build run
	Go             string        // the go command
	Generator      string        // "auto" (wrk if installed, else Go), "wrk" or "go"
	Duration       time.Duration // of each server's load run
	Rounds         int           // load rounds, each loading every variant once
	Connections    int
	Threads        int // wrk's -t
	Pool           int // sessions minted on a mock before its load run
	MemorySessions int
	SkipGoBench    bool
}

// Targets of issue 16, printed next to the figures; they are not assertions.
const (
	targetRatio      = 0.7      // successful rotations/s, mock / minting reference
	targetRSS        = 64 << 20 // peak RSS of the mock under load
	targetPerSession = 512      // bytes of live heap per session, with MemorySessions of them
	// Issue 24: successful rotations/s with diagnostics on, against off.
	targetDiagnostics = 0.95
)

// binary is one of the programs Run builds.
type binary int

const (
	binMock binary = iota // cmd/appmaker-mock
	binBare               // cmd/bench-bare
)

// binaries is every binary, in the order Run builds them.
var binaries = [...]binary{binMock, binBare}

// pkg is the package b is built from.
func (b binary) pkg() string {
	if b == binMock {
		return "./cmd/appmaker-mock"
	}
	return "./cmd/bench-bare"
}

// variant is one server a load round measures.
type variant struct {
	name string // its rows in the table
	bin  binary
	args []string // its flags; --addr is added
	// mock: the generator's pool is minted on it through POST /__mock/sessions and every
	// request must be a successful rotation. Otherwise the pool is placeholder tokens,
	// for a server that reads nothing.
	mock bool
	// targets: the targets (ratio, peak RSS) are judged on this variant.
	targets bool
	// diagnosticsOff: the mock without its client diagnostics; the targets variant's
	// throughput against this one's is issue 24's figure (at least 0.95).
	diagnosticsOff bool
	// redis: the mock runs on a Redis store (a redis-server Run starts on loopback); the
	// variant is left out, and the report says so, where redis-server is not installed.
	redis bool
}

// variants are the servers every load round measures, each started afresh, one after the
// other, with the same generator, connections and duration. The first is the reference:
// every other variant's throughput and CPU per answer are given as ratios to its figures
// in the same round, and the round loop needs nothing else to know about a variant.
// Only the entry with targets set is judged against the targets.
func variants() []variant {
	return []variant{
		{name: "minting reference: bench-bare --mint", bin: binBare, args: []string{"--mint"}},
		{name: "appmaker-mock --log off", bin: binMock, args: []string{"--log", "off"}, mock: true, targets: true},
		// Issue 24: the client diagnostics may cost at most 5% of the throughput.
		{name: "appmaker-mock --log off --diagnostics=false", bin: binMock,
			args: []string{"--log", "off", "--diagnostics=false"}, mock: true, diagnosticsOff: true},
		// Issue 17: the fleet's store. Each run gets a key prefix of its own in one redis-server.
		{name: "appmaker-mock --log off --store redis://…", bin: binMock, args: []string{"--log", "off"},
			mock: true, redis: true},
	}
}

// Run builds the binaries, runs every measurement and writes the report to stdout;
// progress goes to stderr.
func Run(ctx context.Context, cfg Config, stdout, stderr io.Writer) error {
	started := time.Now()
	tmp, err := os.MkdirTemp("", "appmaker-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	rep := report{Started: started.UTC(), Machine: machineLine(), LoadBefore: loadAverage(), Variants: variants()}
	redis, err := startRedisFor(&rep, tmp, stderr)
	if err != nil {
		return err
	}
	if redis != nil {
		defer redis.Close()
	}

	progress(stderr, "building the servers")
	bins := map[binary]string{}
	for _, b := range binaries {
		bins[b] = filepath.Join(tmp, filepath.Base(b.pkg()))
		cmd := exec.CommandContext(ctx, cfg.Go, "build", "-o", bins[b], b.pkg())
		cmd.Dir, cmd.Stderr = cfg.Dir, stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build %s: %w", b.pkg(), err)
		}
	}
	wrk := ""
	switch cfg.Generator {
	case "auto":
		wrk = WrkPath()
	case "wrk":
		if wrk = WrkPath(); wrk == "" {
			return fmt.Errorf("--generator wrk: wrk is not installed (apt-get install wrk)")
		}
	case "go":
	default:
		return fmt.Errorf("--generator %q: want auto, wrk or go", cfg.Generator)
	}
	rep.Wrk = wrk != ""
	generate := func(l Load) (LoadResult, error) {
		if wrk != "" {
			return RunWrk(ctx, wrk, tmp, l)
		}
		return RunGo(l)
	}
	for i := range cfg.Rounds {
		// Each round starts with the next variant, so that no server always runs first
		// (just after the build, or the previous round's last run).
		round := make([]serverRun, len(rep.Variants))
		for k := range rep.Variants {
			j := (i + k) % len(rep.Variants)
			v := rep.Variants[j]
			progress(stderr, "round %d of %d: %s for %s", i+1, cfg.Rounds, v.name, cfg.Duration)
			args := v.args
			if v.redis {
				args = append(slices.Clip(args), "--store", redis.URL(0), "--store-prefix", fmt.Sprintf("bench-%d:", i+1),
					"--signing-key", "make-bench-signing-key")
			}
			if round[j], err = loadRun(ctx, cfg, bins[v.bin], v.mock, args, generate, stderr); err != nil {
				return fmt.Errorf("round %d, %s: %w", i+1, v.name, err)
			}
		}
		rep.Rounds = append(rep.Rounds, round)
	}

	progress(stderr, "memory: %d sessions in the store, then a sweep", cfg.MemorySessions)
	if rep.Memory, err = MeasureMemory(ctx, cfg.MemorySessions); err != nil {
		return err
	}
	if !cfg.SkipGoBench {
		progress(stderr, "in-process benchmarks: go %s", strings.Join(GoBenchArgs, " "))
		if rep.GoBench, err = RunGoBenchmarks(ctx, cfg.Go, cfg.Dir); err != nil {
			return err
		}
	}
	rep.LoadAfter, rep.Took = loadAverage(), time.Since(started)
	rep.write(stdout)
	return nil
}

// serverRun is one server's load run with its peak RSS, the CPU time the server process
// used during the run, and the CPU time the rest of the machine used meanwhile.
type serverRun struct {
	LoadResult
	PeakRSS int64
	CPU     time.Duration
	// Others is the CPU time the machine spent busy during the run outside the server
	// and the generator: other engineers' builds, this program's own bookkeeping.
	Others time.Duration
}

// Successful is the answers that were 201 with a pair to chain.
func (r serverRun) Successful() int64 { return r.Requests - r.Non201 }

// SuccessPerSecond is successful answers per second.
func (r serverRun) SuccessPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Successful()) / r.Elapsed.Seconds()
}

// CPUPerAnswer is the server's CPU time per answer during the run.
func (r serverRun) CPUPerAnswer() time.Duration {
	if r.Requests <= 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Requests)
}

// OtherCores is how many cores, on average, the rest of the machine kept busy.
func (r serverRun) OtherCores() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return max(0, r.Others.Seconds()/r.Elapsed.Seconds())
}

// loadRun starts bin with args and loads it; mock says whether it is a mock (see variant).
func loadRun(ctx context.Context, cfg Config, bin string, mock bool, args []string,
	generate func(Load) (LoadResult, error), stderr io.Writer) (serverRun, error) {
	srv, err := startServer(ctx, bin, args, stderr)
	if err != nil {
		return serverRun{}, err
	}
	defer srv.stop()
	l := Load{Addr: srv.addr, Path: "/api/v1/auth/refresh-token", Connections: cfg.Connections,
		Threads: cfg.Threads, Duration: cfg.Duration}
	if mock {
		if l.Pool, err = mintPool(ctx, srv.addr, cfg.Pool); err != nil {
			return serverRun{}, err
		}
	} else {
		l.Pool = placeholderPool(cfg.Pool)
	}
	cpu0, err := srv.cpuTime()
	if err != nil {
		return serverRun{}, err
	}
	busy0, err := machineBusy()
	if err != nil {
		return serverRun{}, err
	}
	res, err := generate(l)
	if err != nil {
		return serverRun{}, err
	}
	busy1, err := machineBusy()
	if err != nil {
		return serverRun{}, err
	}
	cpu1, err := srv.cpuTime()
	if err != nil {
		return serverRun{}, err
	}
	rss, err := srv.peakRSS()
	if err != nil {
		return serverRun{}, err
	}
	run := serverRun{LoadResult: res, PeakRSS: rss, CPU: cpu1 - cpu0}
	run.Others = (busy1 - busy0) - run.CPU - res.GeneratorCPU
	return run, nil
}

func progress(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "bench: "+format+"\n", args...)
}
