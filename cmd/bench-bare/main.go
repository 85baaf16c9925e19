// Command bench-bare is the reference server of `make bench`: net/http answering every
// request with 201 and a fixed token pair, as fast as a Go HTTP server answers at all.
// The mock's load run is compared with it. It is not a mock; it checks nothing.
//
// With --token-length it answers tokens as long as the mock's, which the generator then
// sends back, so that its messages are about the mock's size: a reference for what
// message size alone costs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "bench-bare:", err)
		os.Exit(2)
	}
}

// answer returns the handler answering every request 201 with a token pair of the
// refresh operation's shape, each token n characters long: with n = 1, the fixed body
// {"accessToken":"a","refreshToken":"b"}.
func answer(n int) http.HandlerFunc {
	body := []byte(`{"accessToken":"` + strings.Repeat("a", n) + `","refreshToken":"` + strings.Repeat("b", n) + `"}`)
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(body)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench-bare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:5002", "address to listen on")
	tokenLength := fs.Int("token-length", 1, "answer tokens of `n` characters each (make bench also runs it with the mock's mean token length, as a reference for message size)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *tokenLength < 1 {
		return fmt.Errorf("--token-length %d: want 1 or more", *tokenLength)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: answer(*tokenLength)}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
