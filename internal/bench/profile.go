package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/pprof"

	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/spec"
)

// Profile serves the mock in this process, as the binary serves it with --log off, puts
// the load run on it and writes a CPU profile of the process to file: the mock's share is
// under mock.(*Server).ServeHTTP and net/http, the Go load generator's under RunGo.
func Profile(ctx context.Context, cfg Config, file string, stdout, stderr io.Writer) error {
	doc, err := spec.Load()
	if err != nil {
		return err
	}
	srv, err := mock.NewServer(doc)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := srv.HTTPServer(ln.Addr().String())
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	addr := ln.Addr().String()
	progress(stderr, "minting %d sessions on the in-process mock", cfg.Pool)
	pool, err := mintPool(ctx, addr, cfg.Pool)
	if err != nil {
		return err
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	progress(stderr, "load on the in-process mock for %s, profiling", cfg.Duration)
	res, err := RunGo(Load{Addr: addr, Path: "/api/v1/auth/refresh-token", Connections: cfg.Connections, Duration: cfg.Duration, Pool: pool})
	pprof.StopCPUProfile()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %.0f requests/s, p50 %s, p99 %s, non-201 %d; CPU profile in %s (go tool pprof -top %s)\n",
		res.Generator, res.RPS(), res.P50, res.P99, res.Non201, file, file)
	return nil
}
