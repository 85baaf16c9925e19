package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Config is one `make bench` run.
type Config struct {
	Dir            string        // the module's root: where go test and go build run
	Go             string        // the go command
	Generator      string        // "auto" (wrk if installed, else Go), "wrk" or "go"
	Duration       time.Duration // of each load run
	Rounds         int           // load rounds, each the mock, the bare server, the sized and the minting bare server
	Connections    int
	Threads        int // wrk's -t
	Pool           int // sessions minted before the mock's load run
	MemorySessions int
	SkipGoBench    bool
}

// Targets of issue 6, printed next to the figures; they are not assertions.
const (
	targetRatio        = 0.6
	targetRSS          = 64 << 20
	targetPerSession   = 300
	targetRotationNsOp = 15000
)

// Run builds the binaries, runs every measurement and writes the table to stdout;
// progress goes to stderr.
func Run(ctx context.Context, cfg Config, stdout, stderr io.Writer) error {
	tmp, err := os.MkdirTemp("", "appmaker-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	load0 := loadAverage()
	fmt.Fprintf(stdout, "## make bench, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(stdout, "Machine: %d cores, %s; %s %s/%s; load average before the run: %s.\n\n",
		runtime.NumCPU(), cpuModel(), runtime.Version(), runtime.GOOS, runtime.GOARCH, load0)

	if !cfg.SkipGoBench {
		progress(stderr, "in-process benchmarks: go %s", strings.Join(GoBenchArgs, " "))
		benches, err := RunGoBenchmarks(ctx, cfg.Go, cfg.Dir)
		if err != nil {
			return err
		}
		writeGoBench(stdout, benches)
	}

	progress(stderr, "building the mock and the bare server")
	mockBin, bareBin := filepath.Join(tmp, "appmaker-mock"), filepath.Join(tmp, "bench-bare")
	for bin, pkg := range map[string]string{mockBin: "./cmd/appmaker-mock", bareBin: "./cmd/bench-bare"} {
		cmd := exec.CommandContext(ctx, cfg.Go, "build", "-o", bin, pkg)
		cmd.Dir, cmd.Stderr = cfg.Dir, stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build %s: %w", pkg, err)
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
	run := func(l Load) (LoadResult, error) {
		if wrk != "" {
			return RunWrk(ctx, wrk, tmp, l)
		}
		return RunGo(l)
	}
	var rounds []loadRound
	for i := range cfg.Rounds {
		progress(stderr, "load round %d of %d", i+1, cfg.Rounds)
		mockRun, err := loadRun(ctx, cfg, mockBin, []string{"--log", "off"}, true, 0, run, stderr)
		if err != nil {
			return fmt.Errorf("mock: %w", err)
		}
		bareRun, err := loadRun(ctx, cfg, bareBin, nil, false, 1, run, stderr)
		if err != nil {
			return fmt.Errorf("bare server: %w", err)
		}
		sizedRun, err := loadRun(ctx, cfg, bareBin, []string{"--token-length", strconv.Itoa(mockRun.TokenLength)},
			false, mockRun.TokenLength, run, stderr)
		if err != nil {
			return fmt.Errorf("bare server with the mock's token length: %w", err)
		}
		mintingRun, err := loadRun(ctx, cfg, bareBin, []string{"--mint"}, false, 1, run, stderr)
		if err != nil {
			return fmt.Errorf("bare server minting a JWT per request: %w", err)
		}
		rounds = append(rounds, loadRound{mock: mockRun, bare: bareRun, sized: sizedRun, minting: mintingRun})
	}
	writeLoad(stdout, rounds, wrk != "")

	progress(stderr, "memory: %d sessions in the store, then a sweep", cfg.MemorySessions)
	mem, err := MeasureMemory(ctx, cfg.MemorySessions)
	if err != nil {
		return err
	}
	writeMemory(stdout, mem)
	fmt.Fprintf(stdout, "Load average after the run: %s.\n\n", loadAverage())
	return nil
}

// loadRound is the mock's load run and, right after it, the bare server's: answering
// the fixed body, then tokens as long as the mock's (sized), then minting a JWT and a
// random token per request (minting).
type loadRound struct{ mock, bare, sized, minting serverRun }

// serverRun is one server's load run with its peak RSS, the CPU time the server
// process used during the run and the mean length of the tokens it answered.
type serverRun struct {
	LoadResult
	PeakRSS     int64
	CPU         time.Duration
	TokenLength int
}

// CPUPerAnswer is the server's CPU time per answer during the run.
func (r serverRun) CPUPerAnswer() time.Duration {
	if r.Requests <= 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Requests)
}

// loadRun starts bin and loads it: the mock (a pool of sessions is minted on it first),
// or the bare server answering tokens of tokenLength characters.
func loadRun(ctx context.Context, cfg Config, bin string, args []string, isMock bool, tokenLength int,
	run func(Load) (LoadResult, error), stderr io.Writer) (serverRun, error) {
	srv, err := startServer(ctx, bin, args, stderr)
	if err != nil {
		return serverRun{}, err
	}
	defer srv.stop()
	l := Load{Addr: srv.addr, Path: "/api/v1/auth/refresh-token", Connections: cfg.Connections,
		Threads: cfg.Threads, Duration: cfg.Duration}
	if isMock {
		progress(stderr, "minting %d sessions on the mock", cfg.Pool)
		if l.Pool, err = mintPool(ctx, srv.addr, cfg.Pool); err != nil {
			return serverRun{}, err
		}
		tokenLength = meanTokenLength(l.Pool)
	} else {
		l.Pool = barePool(cfg.Pool, tokenLength)
	}
	progress(stderr, "load on %s for %s", filepath.Base(bin), cfg.Duration)
	cpu0, err := srv.cpuTime()
	if err != nil {
		return serverRun{}, err
	}
	res, err := run(l)
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
	return serverRun{LoadResult: res, PeakRSS: rss, CPU: cpu1 - cpu0, TokenLength: tokenLength}, nil
}

func progress(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "bench: "+format+"\n", args...)
}

func cpuModel() string {
	raw, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "CPU model unknown"
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "CPU model unknown"
}

func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
