// Command bench is `make bench`: the in-process benchmarks of the refresh path, a
// loopback load run of appmaker-mock and of a bare net/http server one after the other,
// and the store's memory per session. It prints one Markdown table (docs/PERFORMANCE.md).
// Run it from the module's root.
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

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := bench.Config{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Generator, "generator", "auto", "load generator: auto (wrk when installed, else the Go one), wrk or go")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "length of each load run")
	fs.IntVar(&cfg.Rounds, "rounds", 3, "load rounds, each the mock, the bare server, the bare server with the mock's token length and the bare server minting a JWT per request; the table gives each and the medians")
	fs.IntVar(&cfg.Connections, "connections", 50, "keep-alive connections of each load run")
	fs.IntVar(&cfg.Threads, "threads", 2, "wrk threads")
	fs.IntVar(&cfg.Pool, "pool", 1000, "sessions minted on the mock before its load run")
	fs.IntVar(&cfg.MemorySessions, "memory-sessions", 1_000_000, "sessions in the store for the memory measurement")
	fs.BoolVar(&cfg.SkipGoBench, "skip-go-bench", false, "leave out the in-process benchmarks")
	fs.StringVar(&cfg.Go, "go", "go", "the go command, for go test and go build")
	profile := fs.String("profile", "", "instead of the table: serve the mock in this process under the Go generator's load and write a CPU profile to this file")
	if err := fs.Parse(args); err != nil {
		return err
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
