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
	"time"

	"github.com/appmaker/refresh-conformance/mock/diagnose"
	"github.com/appmaker/refresh-conformance/proxy"
)

// proxyEnvPrefix prefixes the environment variable behind each flag of the proxy
// subcommand: --upstream is APPMAKER_MOCK_PROXY_UPSTREAM. The mock's own variables
// (APPMAKER_MOCK_ADDR) do not reach the proxy, so one shell can hold both.
const proxyEnvPrefix = envPrefix + "PROXY_"

// Limits of the proxy's own HTTP server: headers must come in time and in bounds; a
// declared operation's whole exchange is bounded by --timeout; anything else (an event
// stream passing through) may last.
const (
	proxyReadHeaderTimeout = 5 * time.Second
	proxyIdleTimeout       = 60 * time.Second
	proxyMaxHeaderBytes    = 32 << 10
)

type proxyOptions struct {
	addr, upstream, specFile, report, upstreamCA, adminToken string
	timeout, raceWindow                                      time.Duration
	maxTokens, events                                        int
	strict, annotate, insecure, admin, diagnostics           bool
	stormLimit                                               diagnose.StormLimit
}

func parseProxyFlags(args []string, stderr io.Writer) (*proxyOptions, error) {
	o := &proxyOptions{}
	fs := flag.NewFlagSet("appmaker-mock proxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.upstream, "upstream", "", "the server to forward to, with its base path (e.g. https://abptest-api.akinon.net/api/v1); required")
	fs.StringVar(&o.addr, "addr", "localhost:5002", "address to listen on; the proxy serves the upstream's paths")
	fs.StringVar(&o.specFile, "spec", "", "OpenAPI document to judge against instead of the embedded one")
	fs.StringVar(&o.report, "report", "", "append the violations to this file as JSON lines (default: stderr)")
	fs.BoolVar(&o.annotate, "annotate", false, "add "+proxy.ViolationHeader+" to each answer, naming the rules its exchange broke")
	fs.BoolVar(&o.strict, "strict", false, "refuse a request the document does not allow (400, or 401 without a credential) before it reaches the upstream")
	fs.StringVar(&o.upstreamCA, "upstream-ca", "", "PEM file of CA certificates to trust for the upstream, besides the system's")
	fs.BoolVar(&o.insecure, "upstream-insecure", false, "do not verify the upstream's TLS certificate (a test server's self-signed one)")
	fs.DurationVar(&o.timeout, "timeout", proxy.DefaultTimeout, "bound on each exchange of a declared operation; past it the app gets 504")
	fs.IntVar(&o.maxTokens, "max-tokens", proxy.DefaultMaxTokens, "how many refresh-token fingerprints the refresh rules remember (oldest forgotten first)")
	fs.BoolVar(&o.admin, "admin", true, "serve the proxy's own /__mock/events, /__mock/diagnostics and the console at /__mock/ui/ (off: all of /__mock/ passes through)")
	fs.StringVar(&o.adminToken, "admin-token", "", "require 'Authorization: Bearer <token>' on the proxy's own /__mock/ calls (not on those passed through)")
	fs.IntVar(&o.events, "events", proxy.DefaultEventBuffer, "how many events (exchanges, violations, findings) /__mock/events remembers; 0 for none")
	fs.BoolVar(&o.diagnostics, "diagnostics", true, "say what the app did wrong with its refresh tokens, as the mock does, with token families for sessions")
	fs.DurationVar(&o.raceWindow, "race-window", diagnose.DefaultRaceWindow, "client diagnostics: presentations of one refresh token this close together race each other")
	o.stormLimit = diagnose.StormLimit{Count: diagnose.DefaultStormCount, Window: diagnose.DefaultStormWindow}
	fs.Var(&o.stormLimit, "storm-limit", "client diagnostics: more rotations of one token family than `count/window` are a refresh storm")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `appmaker-mock proxy --upstream URL forwards every request to URL and answers the
upstream's answer unchanged, and judges each exchange of an operation the document declares:
the request and the answer against the document, and the refresh rules across exchanges
(rotation, reuse, a spent token presented again). Violations are JSON lines, every token
redacted. Point the app at the proxy instead of the server: only the host changes.

  appmaker-mock proxy --upstream http://localhost:5001/api/v1
  curl -sS -X POST http://localhost:5002/api/v1/auth/refresh-token ...

Every flag can also be set by an environment variable: %s plus the flag name in
upper case with - as _ (e.g. APPMAKER_MOCK_PROXY_UPSTREAM). The command line wins.

Flags:
`, proxyEnvPrefix)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("proxy: unexpected argument %q (flags start with --; see proxy --help)", fs.Arg(0))
	}
	if err := applyEnvPrefix(fs, proxyEnvPrefix, os.LookupEnv); err != nil {
		return nil, err
	}
	if o.upstream == "" {
		return nil, errors.New("proxy: --upstream is required, e.g. --upstream http://localhost:5001/api/v1")
	}
	if o.raceWindow <= 0 {
		return nil, fmt.Errorf("proxy: --race-window %v: want a duration above 0, such as 2s", o.raceWindow)
	}
	return o, nil
}

// runProxy is the proxy subcommand (it writes nothing to stdout): it serves until ctx ends, then lets in-flight
// exchanges finish.
func runProxy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseProxyFlags(args, stderr)
	if err != nil {
		return err
	}
	doc, err := loadSpec(o.specFile)
	if err != nil {
		return err
	}
	transport, err := proxy.UpstreamTransport(o.upstreamCA, o.insecure)
	if err != nil {
		return err
	}
	reportTo, report := "stderr", stderr
	if o.report != "" {
		f, err := os.OpenFile(o.report, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("proxy: --report: %w", err)
		}
		defer f.Close()
		reportTo, report = o.report, f
	}
	p, err := proxy.New(doc, o.upstream, proxy.WithSink(proxy.JSONLines(report)), proxy.WithTransport(transport),
		proxy.WithTimeout(o.timeout), proxy.WithMaxTokens(o.maxTokens), proxy.WithStrict(o.strict), proxy.WithAnnotate(o.annotate),
		proxy.WithAdmin(o.admin), proxy.WithAdminToken(o.adminToken), proxy.WithEventBuffer(o.events),
		proxy.WithDiagnostics(o.diagnostics), proxy.WithRaceWindow(o.raceWindow), proxy.WithStormLimit(o.stormLimit))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("proxy: listen on %s: %w (is another proxy running? choose another --addr)", o.addr, err)
	}
	fmt.Fprintf(stderr, "appmaker-mock proxy: forwarding http://%s%s to %s, judging %d operations of %s; violations to %s\n",
		ln.Addr(), p.BasePath(), p.Upstream(), len(doc.Operations()), doc.Source(), reportTo)
	if o.admin {
		fmt.Fprintf(stderr, "appmaker-mock proxy: live view at http://%s/__mock/ui/ (events: /__mock/events, findings: /__mock/diagnostics)\n", ln.Addr())
	}
	if o.insecure {
		fmt.Fprintln(stderr, "appmaker-mock proxy: WARNING: --upstream-insecure: the upstream's certificate is not verified")
	}
	hs := &http.Server{Handler: p, ReadHeaderTimeout: proxyReadHeaderTimeout, IdleTimeout: proxyIdleTimeout,
		MaxHeaderBytes: proxyMaxHeaderBytes}
	hs.RegisterOnShutdown(p.CloseStreams) // open event streams would hold the shutdown
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(stderr, "appmaker-mock proxy: shutting down, letting in-flight exchanges finish")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("proxy: shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
