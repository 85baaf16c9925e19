package mock

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/appmaker/refresh-conformance/internal/journal"
	"github.com/appmaker/refresh-conformance/mock/answer"
	"github.com/appmaker/refresh-conformance/mock/session"
	"github.com/appmaker/refresh-conformance/mock/token"
	"github.com/appmaker/refresh-conformance/spec"
)

// Server is the mock: an http.Handler serving every operation of the document under its
// local base path (the refresh with its semantics, the others from examples and schemas),
// the /__mock/ control plane and /healthz.
type Server struct {
	doc     *spec.Spec
	cfg     config
	clock   Clock
	store   session.Store
	minter  *token.Minter
	base    string
	api     router
	admin   router
	logLine loggerFunc
	allowed map[string]bool
	refresh *spec.Operation
	gen     answer.Generator
	faults  faultTable
	events  *journal.Log[Event]
	diag    *diagnostics // nil with --diagnostics=false
	// fixtures indexes the fixtures' first tokens; replaced whole on reset.
	fixtures atomic.Pointer[fixtureIndex]
	// fits caches which of the mock's own error bodies each operation's responses accept.
	fits sync.Map
	// stopping is closed by CloseStreams: what waits on a client ends.
	stopping chan struct{}
	stopOnce sync.Once
	// sessionClocks are the offsets of the sessions that live ahead of clock.
	sessionClocks sessionClocks
}

// NewServer builds a mock for doc. The refresh operation (operationId refreshToken) must
// be declared.
func NewServer(doc *spec.Spec, opts ...Option) (*Server, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	minter, err := token.NewMinter(token.Config{Key: cfg.signingKey, Random: cfg.random, Issuer: DefaultIssuer,
		AccessTTL: cfg.accessTTL, RefreshTTL: cfg.refreshTTL})
	if err != nil {
		return nil, err
	}
	seed, err := rendererSeed(minter)
	if err != nil {
		return nil, err
	}
	stopping := make(chan struct{})
	s := &Server{doc: doc, cfg: cfg, clock: cfg.clock, store: cfg.store, minter: minter, base: doc.LocalBasePath(),
		allowed: map[string]bool{}, gen: answer.New(seed), events: journal.New[Event](cfg.events, stopping), stopping: stopping}
	if cfg.shared != nil {
		s.clock = &sharedClock{base: cfg.clock, state: cfg.shared}
		s.faults.fleet = &sharedFaults{state: cfg.shared, build: s.newFault}
	}
	s.logLine = requestLogger(cfg.logger)
	for _, o := range cfg.cors {
		s.allowed[o] = true
	}
	refresh, ok := doc.Operation(spec.RefreshOperationID)
	if !ok {
		return nil, fmt.Errorf("mock: %s declares no operation %q to serve", doc.Source(), spec.RefreshOperationID)
	}
	s.refresh = refresh
	if s.diag, err = newDiagnostics(cfg); err != nil {
		return nil, err
	}
	for _, op := range doc.Operations() {
		h := s.handleOperation
		if op == refresh {
			h = s.diagnosed(s.handleRefresh)
		}
		s.api.handle(op.Method, s.base+op.Path, s.serveOperation(op, h))
	}
	if cfg.admin {
		s.routeAdmin()
	}
	if err := s.seedFixtures(context.Background()); err != nil {
		return nil, err
	}
	return s, nil
}

// BasePath is the prefix the document's operations are served under ("/api/v1").
func (s *Server) BasePath() string { return s.base }

// Clock is the clock the server follows.
func (s *Server) Clock() Clock { return s.clock }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ex := &exchange{sw: statusWriter{ResponseWriter: w}}
	sw := &ex.sw
	elapsed := stopwatch()
	admin := strings.HasPrefix(r.URL.Path, adminPrefix) && s.cfg.admin
	var v *verdict
	if !admin && r.URL.Path != "/healthz" && (s.events.Enabled() || s.diag != nil) {
		v, ex.Context = &ex.verdict, r.Context()
		r = r.WithContext(ex)
	}
	defer func() {
		d := elapsed()
		s.logLine(r, sw, d)
		if v != nil && s.events.Enabled() {
			s.record(r.Method, r.URL.Path, sw.status, sw.Header().Get(HeaderError), v, d)
		}
	}()
	defer s.recoverPanic(sw, r)

	setCommonHeaders(sw.Header())
	if s.cors(sw, r) {
		return
	}
	switch {
	case r.URL.Path == "/healthz":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			sw.Header().Set("Allow", "GET, HEAD")
			writeRouteError(sw, http.StatusMethodNotAllowed, CodeMethodNotAllowed, r.Method+" is not allowed on /healthz; use GET")
			return
		}
		s.writeHealth(sw, r)
	case admin:
		s.serveAdmin(sw, r)
	default:
		s.serveRoute(sw, r, &s.api)
	}
}

// serveRoute dispatches to rt, answering unknown paths 404 and wrong methods 405.
func (s *Server) serveRoute(w http.ResponseWriter, r *http.Request, rt *router) {
	route := rt.match(r)
	if route == nil {
		writeRouteError(w, http.StatusNotFound, CodeNotFound,
			fmt.Sprintf("no operation at %s; the document's operations are served under %s", r.URL.Path, s.base+"/"))
		return
	}
	h, ok := route.methods[r.Method]
	if !ok {
		w.Header().Set("Allow", route.allow)
		writeRouteError(w, http.StatusMethodNotAllowed, CodeMethodNotAllowed,
			fmt.Sprintf("%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, route.allow))
		return
	}
	h(w, r)
}

// recoverPanic keeps a bug from reaching the client as a dropped connection: it is
// logged and answered with a status the document declares.
func (s *Server) recoverPanic(w *statusWriter, r *http.Request) {
	if v := recover(); v != nil {
		if v == http.ErrAbortHandler { //nolint:errorlint // the sentinel is compared as a value by net/http too
			panic(v)
		}
		if !w.wroteHeader {
			s.writeError(w, r, nil, fmt.Errorf("panic: %v", v))
		}
	}
}

// SweepExpired drops the sessions none of whose tokens can work any more.
func (s *Server) SweepExpired(ctx context.Context) (int, error) {
	n, err := s.store.Sweep(ctx, s.clock.Now())
	if n > 0 {
		s.diag.forgetSwept(ctx, s.store)
		s.sessionClocks.prune(ctx, s.store)
	}
	return n, err
}

// RunSweeper sweeps expired sessions periodically until ctx ends.
func (s *Server) RunSweeper(ctx context.Context) {
	runEvery(s.cfg.sweepEvery, ctx.Done(), func() { _, _ = s.SweepExpired(ctx) })
}
