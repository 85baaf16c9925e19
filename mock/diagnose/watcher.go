package diagnose

import (
	"container/list"
	"fmt"
	"sync"
	"time"
)

// Defaults for the zero values of Config.
const (
	DefaultRaceWindow  = 2 * time.Second
	DefaultStormCount  = 5
	DefaultStormWindow = time.Minute
	DefaultMaxSessions = 4096
)

// Config tunes the rules; a zero field takes its default.
type Config struct {
	// RaceWindow (--race-window): presentations of one token this close together race each other,
	// and a request this soon after the answer that ended its session did not know yet.
	RaceWindow time.Duration
	Storm      StormLimit // --storm-limit
	// MaxSessions bounds memory: past it, the session observed least recently is forgotten.
	MaxSessions int
}

// Watcher applies the rules to the refresh requests of every session, one at a time as they are
// answered. It keeps, per session, a few recent rotations, the open bursts and what once-per-session
// rules need: a few hundred bytes, for at most MaxSessions sessions. It is safe for concurrent use.
type Watcher struct {
	cfg Config

	mu       sync.Mutex
	sessions map[string]*list.Element // of *sessionState
	lru      *list.List               // front: observed most recently
}

// New checks cfg and returns a Watcher with no sessions.
func New(cfg Config) (*Watcher, error) {
	if cfg.RaceWindow == 0 {
		cfg.RaceWindow = DefaultRaceWindow
	}
	if cfg.Storm == (StormLimit{}) {
		cfg.Storm = StormLimit{Count: DefaultStormCount, Window: DefaultStormWindow}
	}
	if cfg.MaxSessions == 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	switch {
	case cfg.RaceWindow < 0:
		return nil, fmt.Errorf("diagnose: race window %v is negative", cfg.RaceWindow)
	case cfg.Storm.Count < 1 || cfg.Storm.Count > MaxStormCount || cfg.Storm.Window <= 0:
		return nil, fmt.Errorf("diagnose: storm limit %v: want a count from 1 to %d and a window above 0", cfg.Storm, MaxStormCount)
	case cfg.MaxSessions < 0:
		return nil, fmt.Errorf("diagnose: max sessions %d is negative", cfg.MaxSessions)
	}
	return &Watcher{cfg: cfg, sessions: make(map[string]*list.Element), lru: list.New()}, nil
}

// Config is the configuration in use, defaults filled in.
func (w *Watcher) Config() Config { return w.cfg }

// Observe judges one refresh request and returns the findings it completes, in a fixed order,
// or nil. A request with no Session is judged alone (malformed-request, missing-credential).
func (w *Watcher) Observe(ex Exchange) []Finding {
	found := judgeAlone(ex)
	if ex.Session == "" {
		return found
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state(ex.Session).observe(w.cfg, ex, found)
}

// Forget drops what the watcher keeps about a session (deleted, or reset by the control plane).
func (w *Watcher) Forget(session string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if e, ok := w.sessions[session]; ok {
		w.lru.Remove(e)
		delete(w.sessions, session)
	}
}

// Reset forgets every session.
func (w *Watcher) Reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	clear(w.sessions)
	w.lru.Init()
}

// state finds or makes a session's state, marks it observed most recently and forgets the
// session observed least recently when there are more than MaxSessions.
func (w *Watcher) state(session string) *sessionState {
	if e, ok := w.sessions[session]; ok {
		w.lru.MoveToFront(e)
		return e.Value.(*sessionState)
	}
	s := &sessionState{id: session}
	w.sessions[session] = w.lru.PushFront(s)
	if w.lru.Len() > w.cfg.MaxSessions {
		oldest := w.lru.Back()
		w.lru.Remove(oldest)
		delete(w.sessions, oldest.Value.(*sessionState).id)
	}
	return s
}
