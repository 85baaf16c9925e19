// Command appmaker-mock serves the AppMaker refresh-token operation with real refresh
// semantics, for frontends to develop against. Run with --help for its flags.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/appmaker/refresh-conformance/internal/version"
	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/mock/diagnose"
	"github.com/appmaker/refresh-conformance/mock/redisstore"
	"github.com/appmaker/refresh-conformance/spec"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "appmaker-mock:", err)
		if errors.Is(err, errUnhealthy) {
			os.Exit(1) // what a container HEALTHCHECK reads as unhealthy; 2 is reserved there
		}
		os.Exit(2)
	}
}

// envPrefix prefixes the environment variable that backs each flag: --reuse-grace is
// APPMAKER_MOCK_REUSE_GRACE. A flag given on the command line wins.
const envPrefix = "APPMAKER_MOCK_"

// The garbage collector starts a cycle once the heap has grown by GOGC percent (100) of
// what the last cycle left live. The mock keeps about 2 MiB live, and under load its
// requests allocate that much every few hundred answers, so it would collect dozens
// of times a second, each cycle with costs that do not shrink with the heap (stopping
// the world, scanning every connection's goroutine stack). A ballast, a large
// allocation that is live but never written, raises what counts as live and so the
// heap's growth between cycles, at no cost in resident memory for itself: its pages
// are never touched. The garbage allowed between cycles is what peak RSS pays. With a
// million sessions live, the same ballast adds a few percent to the heap goal.
const (
	defaultBallastMiB = 8
	maxBallastMiB     = 1024
)

// ballastSize is --gc-ballast-mib. It refuses a size out of range as it is set, so that
// the flag and its environment variable are refused alike.
type ballastSize int

func (b *ballastSize) String() string { return strconv.Itoa(int(*b)) }

func (b *ballastSize) Set(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > maxBallastMiB {
		return fmt.Errorf("want a whole number of MiB from 0 (none) to %d", maxBallastMiB)
	}
	*b = ballastSize(n)
	return nil
}

// shutdownGrace is how long in-flight requests get to finish after SIGINT or SIGTERM.
const shutdownGrace = 10 * time.Second

type options struct {
	addr, specFile, signingKey, auth, corsOrigins, adminToken, logFormat, fixtures string
	store, storePrefix                                                             string
	accessTTL, refreshTTL, sessionTTL, reuseGrace, raceWindow                      time.Duration
	seed, admin, diagnostics, version, healthcheck                                 bool
	events                                                                         int
	ballastMiB                                                                     ballastSize
	stormLimit                                                                     diagnose.StormLimit
	corsCredentials                                                                bool
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("appmaker-mock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "localhost:5001", "address to listen on (the document's Local server)")
	fs.StringVar(&o.specFile, "spec", "", "OpenAPI document to serve instead of the embedded one")
	fs.StringVar(&o.signingKey, "signing-key", "", "HS256 key for tokens, as text (default: random per start, so tokens die with the process)")
	fs.StringVar(&o.auth, "auth", string(mock.AuthSigned), "credentials the refresh needs: signed (an access token this mock signed, expired or not), presence (any credential), off")
	fs.DurationVar(&o.accessTTL, "access-ttl", mock.DefaultAccessTTL, "access token lifetime")
	fs.DurationVar(&o.refreshTTL, "refresh-ttl", mock.DefaultRefreshTTL, "refresh token idle lifetime; slides on each rotation")
	fs.DurationVar(&o.sessionTTL, "session-ttl", mock.DefaultSessionTTL, "absolute session lifetime, however often it rotates")
	fs.DurationVar(&o.reuseGrace, "reuse-grace", 0, "window after a rotation in which the rotated token gets the same new pair again (for racing tabs); 0 revokes on any reuse")
	fs.StringVar(&o.corsOrigins, "cors-origins", "*", "comma-separated origins browsers may call from, * for any")
	fs.BoolVar(&o.corsCredentials, "cors-credentials", false, "send Access-Control-Allow-Credentials: true with the caller's exact origin (never *), for apps that fetch with credentials")
	fs.BoolVar(&o.seed, "seed", false, "print one ready session as JSON on startup, with a curl line that refreshes it")
	fs.BoolVar(&o.admin, "admin", true, "serve the /__mock/ control plane (session minting included)")
	fs.StringVar(&o.adminToken, "admin-token", "", "require 'Authorization: Bearer <token>' on every /__mock/ call")
	fs.StringVar(&o.logFormat, "log", "text", "request log on stderr: text, json or off")
	fs.StringVar(&o.fixtures, "fixtures", "", "JSON or YAML file of sessions with fixed sub, org and first tokens, created at start and on every POST /__mock/reset")
	fs.StringVar(&o.store, "store", storeMemory, "where sessions, the clock offset and fault rules live: memory (this process), or a Redis a fleet of mocks shares, redis://[user:password@]host:port/db (rediss:// for TLS); a Redis store needs --signing-key")
	fs.StringVar(&o.storePrefix, "store-prefix", redisstore.DefaultPrefix, "prefix of every key in the Redis store, so that several fleets share one Redis")
	fs.IntVar(&o.events, "events", mock.DefaultEventBuffer, "how many requests GET /__mock/events remembers; 0 records none")
	fs.BoolVar(&o.diagnostics, "diagnostics", true, "client diagnostics: say what a client did wrong with its refresh tokens (GET /__mock/diagnostics, X-Mock-Diagnostic; docs/DIAGNOSTICS.md)")
	fs.DurationVar(&o.raceWindow, "race-window", diagnose.DefaultRaceWindow, "client diagnostics: presentations of one refresh token this close together race each other")
	o.stormLimit = diagnose.StormLimit{Count: diagnose.DefaultStormCount, Window: diagnose.DefaultStormWindow}
	fs.Var(&o.stormLimit, "storm-limit", "client diagnostics: more rotations of one session than `count/window` are a refresh storm")
	o.ballastMiB = defaultBallastMiB
	fs.Var(&o.ballastMiB, "gc-ballast-mib", "`MiB` of heap allocated at start and never written, so that the garbage collector runs less often under load; peak RSS under load grows by about as much, and it counts towards GOMEMLIMIT (docs/PERFORMANCE.md); 0 for none")
	fs.BoolVar(&o.version, "version", false, "print the version and commit of this build, and exit")
	fs.BoolVar(&o.healthcheck, "healthcheck", false, "GET /healthz of the mock at --addr and exit 0 if it answers 200, 1 if not (a container HEALTHCHECK without curl)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `appmaker-mock serves POST /api/v1/auth/refresh-token from the AppMaker OpenAPI document
with real refresh semantics: signed tokens, one-time rotation, reuse detection, expiry.
Every other operation of the document (--spec) is answered from its examples and schemas.

Start a session:   curl -sS -X POST http://localhost:5001/__mock/sessions
Refresh it:        see README.md, or run with --seed for a ready curl line.
Control plane:     /__mock/ (sessions, clock, faults, events, diagnostics, reset), described at
                   curl -sS http://localhost:5001/__mock/openapi.json
Watch an app:      appmaker-mock proxy --upstream URL (see appmaker-mock proxy --help)

Every flag but --version and --healthcheck can also be set by an environment variable:
%s plus the flag name in upper case with - as _ (e.g. APPMAKER_MOCK_REUSE_GRACE=2s).
The command line wins.

Flags:
`, envPrefix)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (flags start with --; see --help)", fs.Arg(0))
	}
	if err := applyEnv(fs, os.LookupEnv); err != nil {
		return nil, err
	}
	if o.raceWindow <= 0 {
		return nil, fmt.Errorf("--race-window %v: want a duration above 0, such as 2s", o.raceWindow)
	}
	return o, nil
}

// commandLineOnly are the flags that ask for something other than serving; an environment
// variable such as APPMAKER_MOCK_VERSION=v1 (a deployment's own note) must not turn them on.
func commandLineOnly(flagName string) bool { return flagName == "version" || flagName == "healthcheck" }

// applyEnv fills each flag not given on the command line from its environment variable.
func applyEnv(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	return applyEnvPrefix(fs, envPrefix, lookup)
}

// applyEnvPrefix is applyEnv for the variables named prefix plus the flag's name.
func applyEnvPrefix(fs *flag.FlagSet, prefix string, lookup func(string) (string, bool)) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if commandLineOnly(f.Name) {
			return
		}
		name := prefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := lookup(name); ok && !given[f.Name] {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", name, v, err))
			}
		}
	})
	return errors.Join(errs...)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "proxy" {
		return runProxy(ctx, args[1:], stdout, stderr)
	}
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if o.version {
		fmt.Fprintln(stdout, "appmaker-mock", version.Get())
		return nil
	}
	if o.healthcheck {
		return healthcheck(ctx, o.addr, stdout)
	}
	// Allocated first, before the process has freed any memory to reuse: fresh pages need
	// no zeroing, so they are never written.
	ballast := make([]byte, int(o.ballastMiB)<<20)
	defer runtime.KeepAlive(ballast)
	doc, err := loadSpec(o.specFile)
	if err != nil {
		return err
	}
	logger := newLogger(o.logFormat, stderr)
	opts := serverOptions(o, logger)
	storeOpts, closeStore, err := openStore(ctx, o, logger)
	if err != nil {
		return err
	}
	defer closeStore()
	opts = append(opts, storeOpts...)
	if o.fixtures != "" {
		fixtures, err := mock.LoadFixtures(o.fixtures)
		if err != nil {
			return err
		}
		opts = append(opts, mock.WithFixtures(fixtures))
	}
	srv, err := mock.NewServer(doc, opts...)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another mock running? choose another --addr)", o.addr, err)
	}
	baseURL := "http://" + ln.Addr().String()
	fmt.Fprintf(stderr, "appmaker-mock: serving %d operations on %s%s (document: %s, auth: %s; %s)\n", len(doc.Operations()), baseURL, srv.BasePath(), doc.Source(), o.auth, describeStore(o))
	if o.admin {
		fmt.Fprintf(stderr, "appmaker-mock: control plane on %s/__mock/ (described at %s/__mock/openapi.json)\n", baseURL, baseURL)
	}
	if o.seed {
		if err := printSeed(ctx, srv, baseURL, stdout); err != nil {
			ln.Close()
			return err
		}
	}
	return serve(ctx, srv, ln, stderr)
}

func loadSpec(path string) (*spec.Spec, error) {
	if path == "" {
		return spec.Load()
	}
	return spec.LoadFile(path)
}

func serverOptions(o *options, logger *slog.Logger) []mock.Option {
	opts := []mock.Option{
		mock.WithAuth(mock.AuthMode(o.auth)),
		mock.WithTTLs(o.accessTTL, o.refreshTTL, o.sessionTTL),
		mock.WithReuseGrace(o.reuseGrace),
		mock.WithCORSOrigins(strings.Split(o.corsOrigins, ",")),
		mock.WithCORSCredentials(o.corsCredentials),
		mock.WithAdmin(o.admin),
		mock.WithAdminToken(o.adminToken),
		mock.WithLogger(logger),
		mock.WithEventBuffer(o.events),
		mock.WithDiagnostics(o.diagnostics),
		mock.WithRaceWindow(o.raceWindow),
		mock.WithStormLimit(o.stormLimit),
	}
	if o.signingKey != "" {
		opts = append(opts, mock.WithSigningKey([]byte(o.signingKey)))
	}
	return opts
}

func newLogger(format string, w io.Writer) *slog.Logger {
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil))
	case "off":
		return slog.New(slog.DiscardHandler)
	default:
		return slog.New(slog.NewTextHandler(w, nil))
	}
}

// printSeed starts one session and prints it with a curl line that refreshes it.
func printSeed(ctx context.Context, srv *mock.Server, baseURL string, stdout io.Writer) error {
	tokens, err := srv.NewSession(ctx, mock.NewSessionRequest{})
	if err != nil {
		return fmt.Errorf("seed a session: %w", err)
	}
	out, err := json.MarshalIndent(tokens, "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n\n# refresh it (each refresh token works once):\ncurl -sS -X POST %s%s/auth/refresh-token \\\n  -H 'Authorization: Bearer %s' \\\n  -H 'Content-Type: application/json' \\\n  -d '{\"refreshToken\":\"%s\"}'\n",
		out, baseURL, srv.BasePath(), tokens.AccessToken, tokens.RefreshToken)
	return nil
}

// serve runs until ctx ends, then lets in-flight requests finish.
func serve(ctx context.Context, srv *mock.Server, ln net.Listener, stderr io.Writer) error {
	hs := srv.HTTPServer(ln.Addr().String())
	sweepCtx, stopSweep := context.WithCancel(ctx)
	defer stopSweep()
	go srv.RunSweeper(sweepCtx)
	errc := make(chan error, 1)
	gs := srv.Graceful(hs, ln)
	go func() { errc <- gs.Serve() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(stderr, "appmaker-mock: shutting down, letting in-flight requests finish")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := gs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
