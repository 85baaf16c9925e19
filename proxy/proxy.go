package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/appmaker/refresh-conformance/internal/journal"
	"github.com/appmaker/refresh-conformance/mock/diagnose"
	"github.com/appmaker/refresh-conformance/spec"
)

// MaxValidatedBody is the largest body the proxy judges, the mock's own limit; a larger
// one is forwarded as it comes, unjudged, and reported as such.
const MaxValidatedBody = 64 << 10

// Defaults of the options.
const (
	DefaultTimeout   = 30 * time.Second
	DefaultMaxTokens = 100_000
)

// ViolationHeader names the rules an exchange broke, with WithAnnotate.
const ViolationHeader = "X-Conformance-Violation"

// AnswerHeader marks an answer the proxy gave itself: "refused" (--strict),
// "upstream-timeout", "upstream-unreachable".
const AnswerHeader = "X-Conformance-Proxy"

type config struct {
	sink      Sink
	transport http.RoundTripper
	timeout   time.Duration
	maxTokens int
	strict    bool
	annotate  bool
	now       func() time.Time
	// The proxy's own /__mock/ paths, and the client diagnostics.
	noAdmin       bool
	adminToken    string
	events        int
	noDiagnostics bool
	diagnose      diagnose.Config
}

// Option configures a Proxy.
type Option func(*config)

// WithSink sends violations to s (default: none kept).
func WithSink(s Sink) Option { return func(c *config) { c.sink = s } }

// WithTransport sends to the upstream through t (default: UpstreamTransport("", false)).
func WithTransport(t http.RoundTripper) Option { return func(c *config) { c.transport = t } }

// WithTimeout bounds each exchange of a declared operation, from the request to the end
// of the answer; past it the app gets 504.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithMaxTokens bounds how many refresh-token fingerprints the refresh rules remember.
func WithMaxTokens(n int) Option { return func(c *config) { c.maxTokens = n } }

// WithStrict refuses a request the document does not allow before it reaches the
// upstream: 401 for a missing credential, 400 for the rest, as the document declares.
func WithStrict(on bool) Option { return func(c *config) { c.strict = on } }

// WithAnnotate adds ViolationHeader to an answer naming the rules its exchange broke.
func WithAnnotate(on bool) Option { return func(c *config) { c.annotate = on } }

// WithClock sets the clock of violations' times and exchanges' durations.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// Proxy forwards to one upstream and judges the exchanges of the operations its
// document declares. It is an http.Handler, safe for concurrent use.
type Proxy struct {
	doc      *spec.Spec
	upstream *url.URL
	base     string
	routes   []route
	rp       *httputil.ReverseProxy
	cfg      config
	families *families
	seq      atomic.Uint64
	events   *journal.Log[Event]
	diag     *diagnostics // nil with WithDiagnostics(false)
	stop     chan struct{}
	stopOnce sync.Once
}

// New returns a proxy to upstream, an http or https URL with the server's base path
// ("https://test.example/api/v1"). The proxy serves the same paths: a request for
// /api/v1/auth/refresh-token goes to upstream's host with that path.
func New(doc *spec.Spec, upstream string, opts ...Option) (*Proxy, error) {
	u, err := ParseUpstream(upstream)
	if err != nil {
		return nil, err
	}
	cfg := config{timeout: DefaultTimeout, maxTokens: DefaultMaxTokens, now: time.Now, sink: SinkFunc(func(Violation) {}),
		events: DefaultEventBuffer}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.timeout <= 0 {
		return nil, fmt.Errorf("proxy: the timeout must be positive, not %s", cfg.timeout)
	}
	if cfg.maxTokens < 1 {
		return nil, fmt.Errorf("proxy: at least one token fingerprint must be remembered, not %d", cfg.maxTokens)
	}
	if cfg.events < 0 || cfg.events > 1<<20 {
		return nil, fmt.Errorf("proxy: the event buffer holds 0 to %d events, not %d", 1<<20, cfg.events)
	}
	diag, err := newDiagnostics(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.transport == nil {
		if cfg.transport, err = UpstreamTransport("", false); err != nil {
			return nil, err
		}
	}
	p := &Proxy{doc: doc, upstream: u, base: strings.TrimRight(u.Path, "/"), routes: newRoutes(doc), cfg: cfg,
		families: newFamilies(cfg.maxTokens), diag: diag, stop: make(chan struct{})}
	p.events = journal.New[Event](cfg.events, p.stop)
	p.rp = &httputil.ReverseProxy{
		Rewrite:        p.rewrite,
		Transport:      cfg.transport,
		ModifyResponse: p.judgeResponse,
		ErrorHandler:   p.answerError,
		FlushInterval:  -1, // an event stream passing through is not held back
	}
	return p, nil
}

// ParseUpstream checks an upstream URL: http or https, a host, no user, query or fragment.
func ParseUpstream(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, fmt.Errorf("proxy: upstream %q is not a URL: %w", raw, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("proxy: upstream %q: want an http:// or https:// URL with the server's base path, e.g. https://test.example/api/v1", raw)
	case u.Host == "":
		return nil, fmt.Errorf("proxy: upstream %q has no host", raw)
	case u.User != nil:
		return nil, errors.New("proxy: the upstream URL carries a user and password; the app's own credentials are forwarded, put none in the URL")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("proxy: upstream %q: a query or fragment has no place in a base URL", raw)
	}
	return u, nil
}

// Upstream is the URL the proxy forwards to.
func (p *Proxy) Upstream() *url.URL { u := *p.upstream; return &u }

// BasePath is the upstream's path, under which the document's operations are judged.
func (p *Proxy) BasePath() string { return p.base }

// ServeHTTP answers the proxy's own /__mock/ paths (AdminPrefix), forwards every other
// request and judges the exchange when the document declares its operation.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.serveAdmin(w, r) {
		return
	}
	op := match(p.routes, p.base, r.Method, r.URL.Path)
	if op == nil {
		p.rp.ServeHTTP(w, r)
		return
	}
	// The body is read before the exchange's timeout starts: bound it by the same span, so
	// that an app trickling its body cannot hold the proxy (a ResponseWriter without
	// deadlines, a test's recorder, has no connection to hold).
	_ = http.NewResponseController(w).SetReadDeadline(p.cfg.now().Add(p.cfg.timeout))
	ex, err := p.newExchange(r, op)
	if err != nil {
		writeProxyError(w, http.StatusBadRequest, "request_unreadable", "the proxy could not read the request body: "+err.Error())
		return
	}
	defer ex.release(p)
	if ex.requestFailure != nil && p.cfg.strict {
		p.refuse(w, ex)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), p.cfg.timeout)
	defer cancel()
	p.rp.ServeHTTP(w, ex.in.WithContext(context.WithValue(ctx, exchangeKey{}, ex)))
}

// rewrite sends the request to the upstream's host with its path unchanged.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	pr.Out.URL.Scheme = p.upstream.Scheme
	pr.Out.URL.Host = p.upstream.Host
	pr.Out.Host = ""
	pr.SetXForwarded()
}
