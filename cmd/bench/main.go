// Command bench is `make bench`: a loopback load run of appmaker-mock side by side with
// the minting reference server (cmd/bench-bare --mint), round after round, the store's
// memory per session, and the in-process benchmarks of the refresh path. It prints one
// Markdown report (docs/PERFORMANCE.md). Run it from the module's root.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/appmaker/refresh-conformance/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

const usage = `Usage: go run ./cmd/bench [flags]     (make bench BENCH_ARGS='...')

Measures the mock against the minting reference, a net/http server that signs an HS256
JWT with golang-jwt and draws a random token per answer and keeps nothing, next to the
mock with --diagnostics=false and the mock on a Redis store (a redis-server it starts on
loopback; left out, and the report says so, without redis-server). Each round starts
every server afresh and loads it with the same generator (wrk when installed, else the
Go one), connections and duration; each answer's pair is chained into the next request,
so the mock's load is successful rotations only. Then it fills a store with
--memory-sessions sessions, and runs the in-process benchmarks of ./spec, ./mock and
./proxy (the proxy's added latency at p50 beside direct calls).

It prints, as Markdown on stdout (progress on stderr), the medians over the rounds of
the mock's successful rotations/s and server CPU time per answer (from /proc) as ratios
to the reference's in the same round, the mock's peak RSS under load, the bytes per
live session, every round, and how busy other processes kept the machine meanwhile.
The issue's targets are printed next to the figures; nothing asserts them.

With the defaults it takes about 6 minutes on 2 cores. Nothing is written to the
source tree; the binaries are built in a temporary directory.

Flags:
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := bench.Config{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.Generator, "generator", "auto", "load generator: auto (wrk when installed, else the Go one), wrk or go")
	fs.DurationVar(&cfg.Duration, "duration", 8*time.Second, "length of each server's load run (whole seconds with wrk)")
	fs.IntVar(&cfg.Rounds, "rounds", 5, "load rounds, each loading the mock and the minting reference once; the report gives the medians")
	fs.IntVar(&cfg.Connections, "connections", 50, "keep-alive connections of each load run")
	fs.IntVar(&cfg.Threads, "threads", 2, "wrk threads")
	fs.IntVar(&cfg.Pool, "pool", 1000, "sessions minted on the mock before its load run")
	fs.IntVar(&cfg.MemorySessions, "memory-sessions", 1_000_000, "sessions in the store for the memory measurement")
	fs.BoolVar(&cfg.SkipGoBench, "skip-go-bench", false, "leave out the in-process benchmarks (about 40 seconds)")
	fs.StringVar(&cfg.Go, "go", "go", "the go command, for go test and go build")
	profile := fs.String("profile", "", "instead of the report: serve the mock in this process under the Go generator's load for --duration and write a CPU profile to this `file` (put it under reports/ or a temporary directory)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (see --help)", fs.Args())
	}
	if cfg.Rounds < 1 {
		return fmt.Errorf("--rounds %d: want at least 1", cfg.Rounds)
	}
	if cfg.Pool < cfg.Connections {
		return fmt.Errorf("--pool %d: want at least one session per connection (--connections %d)", cfg.Pool, cfg.Connections)
	}
	if *profile != "" {
		return bench.Profile(ctx, cfg, *profile, stdout, stderr)
	}
	dir, err := os.Getwd()
	if err != nil {
		return err
	}
	cfg.Dir = dir
	return bench.Run(ctx, cfg, stdout, stderr)
}
