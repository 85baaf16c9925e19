package mock

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/appmaker/refresh-conformance/mock/diagnose"
	"github.com/appmaker/refresh-conformance/mock/session"
)

// AuthMode is how the refresh operation judges the caller's access token (--auth).
type AuthMode string

// Auth modes.
const (
	// AuthSigned accepts an access token this mock signed, expired or not.
	AuthSigned AuthMode = "signed"
	// AuthPresence accepts any credential that satisfies the document's security schemes.
	AuthPresence AuthMode = "presence"
	// AuthOff accepts requests without credentials.
	AuthOff AuthMode = "off"
)

// ParseAuthMode reads a --auth value.
func ParseAuthMode(s string) (AuthMode, error) {
	switch m := AuthMode(s); m {
	case AuthSigned, AuthPresence, AuthOff:
		return m, nil
	}
	return "", fmt.Errorf("auth mode %q: want signed, presence or off", s)
}

// Defaults of the server's settings.
const (
	DefaultAccessTTL  = 15 * time.Minute
	DefaultRefreshTTL = 7 * 24 * time.Hour
	DefaultSessionTTL = 30 * 24 * time.Hour
	DefaultIssuer     = "appmaker-mock"
)

type config struct {
	clock      Clock
	store      session.Store
	random     io.Reader
	logger     *slog.Logger
	signingKey []byte
	auth       AuthMode
	accessTTL  time.Duration
	refreshTTL time.Duration
	sessionTTL time.Duration
	grace      time.Duration
	cors       []string
	admin      bool
	adminToken string
	sweepEvery time.Duration
	fixtures   []Fixture
	events     int
	shared     SharedState
	// Client diagnostics (diagnostics.go): on unless noDiagnostics.
	noDiagnostics bool
	diagnose      diagnose.Config

	// corsCredentials sends Access-Control-Allow-Credentials with the exact origin.
	corsCredentials bool
}

func defaultConfig() config {
	return config{
		clock:      NewOffsetClock(SystemClock{}),
		store:      session.NewMemStore(),
		logger:     slog.New(slog.DiscardHandler),
		auth:       AuthSigned,
		accessTTL:  DefaultAccessTTL,
		refreshTTL: DefaultRefreshTTL,
		sessionTTL: DefaultSessionTTL,
		cors:       []string{"*"},
		admin:      true,
		sweepEvery: time.Minute,
		events:     DefaultEventBuffer,
	}
}

// Option configures a Server.
type Option func(*config)

// WithClock sets the clock every expiry follows (default: the wall clock, adjustable by offset).
func WithClock(c Clock) Option { return func(cfg *config) { cfg.clock = c } }

// WithStore sets the session store (default: a new session.MemStore).
func WithStore(s session.Store) Option { return func(cfg *config) { cfg.store = s } }

// WithRandom sets the source of every random value: keys, ids, tokens (default: crypto/rand).
func WithRandom(r io.Reader) Option { return func(cfg *config) { cfg.random = r } }

// WithLogger sets the logger for the one line per request (default: discard).
func WithLogger(l *slog.Logger) Option { return func(cfg *config) { cfg.logger = l } }

// WithSigningKey sets the HS256 key (default: 256 random bits per start).
func WithSigningKey(key []byte) Option {
	return func(cfg *config) { cfg.signingKey = append([]byte(nil), key...) }
}

// WithAuth sets how credentials are judged (default: AuthSigned).
func WithAuth(m AuthMode) Option { return func(cfg *config) { cfg.auth = m } }

// WithTTLs sets the access token lifetime, the refresh token idle lifetime (sliding on
// each rotation) and the session's absolute lifetime. A zero value keeps the default.
func WithTTLs(access, refresh, session time.Duration) Option {
	return func(cfg *config) {
		if access > 0 {
			cfg.accessTTL = access
		}
		if refresh > 0 {
			cfg.refreshTTL = refresh
		}
		if session > 0 {
			cfg.sessionTTL = session
		}
	}
}

// WithReuseGrace sets how long after a rotation the rotated token may be presented again
// and get the same successor pair (default 0: never).
func WithReuseGrace(d time.Duration) Option { return func(cfg *config) { cfg.grace = d } }

// WithCORSOrigins sets the origins allowed to call from a browser ("*" for any).
func WithCORSOrigins(origins []string) Option { return func(cfg *config) { cfg.cors = origins } }

// WithCORSCredentials makes answers to allowed origins carry
// Access-Control-Allow-Credentials: true, with the exact origin instead of "*", so that a
// browser may send cookies (fetch's credentials: "include").
func WithCORSCredentials(enabled bool) Option {
	return func(cfg *config) { cfg.corsCredentials = enabled }
}

// WithAdmin enables or removes the /__mock/ control plane, session minting included.
func WithAdmin(enabled bool) Option { return func(cfg *config) { cfg.admin = enabled } }

// WithAdminToken makes every /__mock/ call require "Authorization: Bearer <token>".
func WithAdminToken(token string) Option { return func(cfg *config) { cfg.adminToken = token } }

// WithSweepInterval sets how often expired sessions are dropped by Run (default: a minute).
func WithSweepInterval(d time.Duration) Option { return func(cfg *config) { cfg.sweepEvery = d } }

// WithFixtures declares sessions that exist from the start and after every reset, with
// fixed sub, org and first tokens (see LoadFixtures).
func WithFixtures(fixtures []Fixture) Option {
	return func(cfg *config) { cfg.fixtures = append([]Fixture(nil), fixtures...) }
}

// WithEventBuffer sets how many requests GET /__mock/events remembers (default
// DefaultEventBuffer); 0 records none.
func WithEventBuffer(n int) Option { return func(cfg *config) { cfg.events = n } }

func (cfg *config) validate() error {
	switch {
	case cfg.clock == nil || cfg.store == nil || cfg.logger == nil:
		return fmt.Errorf("mock: clock, store and logger must not be nil")
	case cfg.accessTTL <= 0 || cfg.refreshTTL <= 0 || cfg.sessionTTL <= 0:
		return fmt.Errorf("mock: token lifetimes must be positive")
	case cfg.grace < 0:
		return fmt.Errorf("mock: reuse grace must not be negative")
	case cfg.events < 0 || cfg.events > 1<<20:
		return fmt.Errorf("mock: the event buffer holds 0 to %d events, not %d", 1<<20, cfg.events)
	}
	_, err := ParseAuthMode(string(cfg.auth))
	return err
}
