package mock

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// How long a graceful shutdown keeps taking the connections the kernel has already
// accepted (until none arrived for drainQuiet, and never longer than drainMax), and how
// long it lets idle keep-alive connections deliver a request already on its way.
const (
	drainQuiet = 20 * time.Millisecond
	drainMax   = 500 * time.Millisecond
	idleLinger = 500 * time.Millisecond
)

// GracefulServer serves an http.Server on a listener and shuts it down without losing a
// request it has received. net/http's Shutdown alone is not enough for that: it resets
// the connections still in the kernel's accept queue, closes a keep-alive connection
// whose next request is already in its buffer, and closes a connection whose request it
// reads after Shutdown began without answering it.
type GracefulServer struct {
	srv      *Server
	hs       *http.Server
	ln       *drainingListener
	draining atomic.Bool

	mu    sync.Mutex
	conns map[net.Conn]http.ConnState // open connections and their state
}

// Graceful prepares hs (from HTTPServer) to serve on ln; call Serve, then Shutdown.
func (s *Server) Graceful(hs *http.Server, ln net.Listener) *GracefulServer {
	g := &GracefulServer{srv: s, hs: hs, ln: &drainingListener{Listener: ln}, conns: map[net.Conn]http.ConnState{}}
	previous, handler := hs.ConnState, hs.Handler
	hs.ConnState = func(c net.Conn, state http.ConnState) {
		g.mu.Lock()
		if state == http.StateClosed || state == http.StateHijacked {
			delete(g.conns, c)
		} else {
			g.conns[c] = state
		}
		g.mu.Unlock()
		if previous != nil {
			previous(c, state)
		}
	}
	// RFC 9112 §9.6: once shutting down, every answer closes its connection, so a
	// keep-alive client comes back on a new one and is refused.
	hs.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g.draining.Load() {
			w.Header().Set("Connection", "close")
		}
		handler.ServeHTTP(w, r)
	})
	return g
}

// Serve answers until Shutdown, then returns http.ErrServerClosed, as http.Server.Serve does.
func (g *GracefulServer) Serve() error {
	err := g.hs.Serve(g.ln)
	if g.draining.Load() {
		return http.ErrServerClosed
	}
	return err
}

// Shutdown stops taking connections and returns once every request received has been
// answered, or when ctx ends. In order: answers from now on close their connection; what
// the kernel already accepted is taken and served; event streams end; connections
// reading or answering a request finish, and idle ones get idleLinger to deliver a
// request already sent; then net/http's Shutdown closes what is left, all of it idle.
func (g *GracefulServer) Shutdown(ctx context.Context) error {
	g.draining.Store(true)
	if err := g.ln.drain(ctx); err != nil {
		return g.hs.Shutdown(ctx)
	}
	g.srv.CloseStreams()
	linger := time.NewTimer(idleLinger)
	defer linger.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for lingering := true; ; {
		busy, idle := g.count()
		if busy == 0 && (idle == 0 || !lingering) {
			break
		}
		select {
		case <-ctx.Done():
			return g.hs.Shutdown(ctx)
		case <-linger.C:
			lingering = false
		case <-tick.C:
		}
	}
	return g.hs.Shutdown(ctx)
}

// count tells the connections reading or answering a request from the idle ones.
func (g *GracefulServer) count() (busy, idle int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, state := range g.conns {
		if state == http.StateIdle {
			idle++
		} else {
			busy++
		}
	}
	return busy, idle
}

// drainingListener, once drained, holds every connection the kernel has already
// accepted until none arrives for drainQuiet, closes, and only then hands the held ones
// to the server. Holding them keeps their clients waiting instead of coming back for
// more, so the queue empties and no client whose connect succeeded is reset.
type drainingListener struct {
	net.Listener
	draining atomic.Bool
	until    time.Time     // drainMax after the drain began; set before draining is
	drained  chan struct{} // closed when every held connection has been handed over
	holdOnce sync.Once
	held     []net.Conn // only the goroutine calling Accept touches it
	doneOnce sync.Once

	closeOnce sync.Once
	closeErr  error
}

type deadliner interface{ SetDeadline(time.Time) error }

// drain wakes Accept to hold, close and hand over; it returns once all is handed over,
// or when ctx ends.
func (l *drainingListener) drain(ctx context.Context) error {
	d, ok := l.Listener.(deadliner)
	if !ok {
		return l.Close()
	}
	l.drained = make(chan struct{})
	l.until = realDeadline(drainMax)
	l.draining.Store(true)
	if err := d.SetDeadline(realDeadline(0)); err != nil {
		return l.Close()
	}
	select {
	case <-l.drained:
		return nil
	case <-ctx.Done():
		_ = l.Close()
		return ctx.Err()
	}
}

func (l *drainingListener) Accept() (net.Conn, error) {
	if !l.draining.Load() {
		c, err := l.Listener.Accept()
		if err == nil || !l.draining.Load() {
			return c, err
		}
	}
	l.holdOnce.Do(l.holdQueued)
	if len(l.held) > 0 {
		c := l.held[0]
		l.held = l.held[1:]
		return c, nil
	}
	// http.Server.Serve ran the StateNew hook of every connection handed over before
	// calling Accept again: Shutdown now sees them all as busy.
	l.doneOnce.Do(func() { close(l.drained) })
	return nil, net.ErrClosed
}

func (l *drainingListener) holdQueued() {
	d := l.Listener.(deadliner)
	for {
		next := realDeadline(drainQuiet)
		if next.After(l.until) {
			next = l.until
		}
		if d.SetDeadline(next) != nil {
			break
		}
		c, err := l.Listener.Accept()
		if err != nil {
			break // quiet for drainQuiet, or drainMax reached
		}
		l.held = append(l.held, c)
	}
	_ = l.Close()
}

func (l *drainingListener) Close() error {
	l.closeOnce.Do(func() { l.closeErr = l.Listener.Close() })
	if errors.Is(l.closeErr, net.ErrClosed) {
		return nil
	}
	return l.closeErr
}
