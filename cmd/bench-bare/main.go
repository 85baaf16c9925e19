// Command bench-bare is the reference server of `make bench`. With --mint, as make bench
// runs it, it answers every request 201 with a pair minted for it, a random token and an
// HS256 JWT signed with golang-jwt, reading nothing and keeping nothing: the least a
// token server does, which the mock's throughput and CPU per answer are compared with
// (issue 16). Without --mint it answers a fixed pair, as fast as a Go HTTP server answers
// at all: by hand, the ceiling of a load generator on a machine. It checks nothing.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "bench-bare:", err)
		os.Exit(2)
	}
}

// answer returns the handler answering every request 201 with the fixed body
// {"accessToken":"a","refreshToken":"b"}.
func answer() http.HandlerFunc {
	body := []byte(`{"accessToken":"a","refreshToken":"b"}`)
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(body)
	}
}

// mint returns the handler answering every request 201 with a pair minted for it: an
// HS256 JWT signed with key (sub, iat, exp as a 15-minute access token states them) and
// a random refresh token (crypto/rand.Text, 128 bits). It reads nothing of the request
// and keeps nothing.
func mint(key []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		now := time.Now()
		access, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
			Subject:   "user-1",
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(15 * time.Minute)),
		}).SignedString(key)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"accessToken":"` + access + `","refreshToken":"` + rand.Text() + `"}`))
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench-bare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:5002", "address to listen on")
	minting := fs.Bool("mint", false, "mint a random token and an HS256 JWT (golang-jwt) per request instead of answering a fixed pair (make bench runs it so, as the reference for the mock)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	handler := answer()
	if *minting {
		key := make([]byte, 32)
		_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24 and later)
		handler = mint(key)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
