// Command bench-bare is the reference server of `make bench`: net/http answering every
// request with 201 and a fixed token pair, as fast as a Go HTTP server answers at all.
// The mock's load run is compared with it. It is not a mock; it checks nothing.
//
// With --token-length it answers tokens as long as the mock's, which the generator then
// sends back, so that its messages are about the mock's size: a reference for what
// message size alone costs. With --mint it mints, per request, a random token and an
// HS256 JWT signed with golang-jwt: the second reference of issue 6, the bare handler
// doing the least a token server does.
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
	"strings"
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
	tokenLength := fs.Int("token-length", 1, "answer tokens of `n` characters each (make bench also runs it with the mock's mean token length, as a reference for message size)")
	minting := fs.Bool("mint", false, "mint a random token and an HS256 JWT (golang-jwt) per request instead of answering fixed tokens (make bench runs it as the reference for a handler that signs)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *tokenLength < 1 {
		return fmt.Errorf("--token-length %d: want 1 or more", *tokenLength)
	}
	handler := answer(*tokenLength)
	if *minting {
		if *tokenLength != 1 {
			return errors.New("--mint and --token-length: choose one; minted tokens have their own length")
		}
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
