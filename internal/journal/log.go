package journal

import (
	"context"
	"sync"
	"sync/atomic"
)

// Log is a ring of the last events. Writers take one slot each without a global lock, so
// recording stays off a request's critical section; followers are woken only when there are
// any. Ids count from 1 and never repeat while the Log lives.
type Log[E any] struct {
	slots   []slot[E]
	last    atomic.Uint64 // id of the newest event
	floor   atomic.Uint64 // ids at or below it were cleared
	waiters atomic.Int32
	streams atomic.Int32
	mu      sync.Mutex
	wake    chan struct{}
	stop    <-chan struct{} // closed when the server shuts down
}

type slot[E any] struct {
	mu sync.Mutex
	id uint64
	ev E
}

// New returns a Log of size events (0: events are not recorded) whose followers stop when
// stop is closed.
func New[E any](size int, stop <-chan struct{}) *Log[E] {
	return &Log[E]{slots: make([]slot[E], size), wake: make(chan struct{}), stop: stop}
}

// Enabled reports whether events are recorded.
func (l *Log[E]) Enabled() bool { return l != nil && len(l.slots) > 0 }

// Reserve takes the next id now for an event put later with it: a finding can name the
// request's event before the request is recorded. Readers stop at a reserved id until it is
// filled.
func (l *Log[E]) Reserve() uint64 { return l.last.Add(1) }

// Put records e under id, an id Reserve handed out.
func (l *Log[E]) Put(id uint64, e E) {
	s := &l.slots[id%uint64(len(l.slots))]
	s.mu.Lock()
	if s.id < id { // a reserved id filled late must not overwrite a newer event
		s.id, s.ev = id, e
	}
	s.mu.Unlock()
	if l.waiters.Load() > 0 {
		l.mu.Lock()
		close(l.wake)
		l.wake = make(chan struct{})
		l.mu.Unlock()
	}
}

// After returns up to limit events (0: no limit) with ids above since, oldest first, and
// how many were overwritten before they could be read.
func (l *Log[E]) After(since uint64, limit int) (events []E, missed uint64) {
	entries, missed := l.entries(since, limit)
	if entries != nil {
		events = make([]E, len(entries))
		for i, e := range entries {
			events[i] = e.ev
		}
	}
	return events, missed
}

// entry is an event with its id.
type entry[E any] struct {
	id uint64
	ev E
}

func (l *Log[E]) entries(since uint64, limit int) (entries []entry[E], missed uint64) {
	last := l.last.Load()
	if since > last {
		since = 0 // an id from an earlier run: everything here is newer
	}
	if floor := l.floor.Load(); since < floor {
		since = floor
	}
	if size := uint64(len(l.slots)); last-since > size {
		missed = last - since - size
		since = last - size
	}
	if n := last - since; limit > 0 && n > uint64(limit) {
		since = last - uint64(limit)
	}
	for id := since + 1; id <= last; id++ {
		s := &l.slots[id%uint64(len(l.slots))]
		s.mu.Lock()
		at, ev := s.id, s.ev
		s.mu.Unlock()
		if at < id {
			break // taken by a writer that has not filled it yet: read it next time
		}
		if at == id {
			entries = append(entries, entry[E]{id, ev})
		}
	}
	return entries, missed
}

// ready reports whether the event after since can be read (or is already overwritten): not
// while its id is reserved and unfilled.
func (l *Log[E]) ready(since uint64) bool {
	id := max(since, l.floor.Load()) + 1
	if id > l.last.Load() {
		return false
	}
	s := &l.slots[id%uint64(len(l.slots))]
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id >= id
}

// Newest is the id of the newest event.
func (l *Log[E]) Newest() uint64 { return l.last.Load() }

// Clear forgets every event so far; ids keep counting, so followers are not confused.
func (l *Log[E]) Clear() { l.floor.Store(l.last.Load()) }

// wait blocks until an event newer than since is put, ctx ends or the server stops; it
// reports whether the caller should read again.
func (l *Log[E]) wait(ctx context.Context, since uint64) bool {
	l.waiters.Add(1)
	defer l.waiters.Add(-1)
	l.mu.Lock()
	wake := l.wake
	l.mu.Unlock()
	if l.ready(since) {
		return true
	}
	select {
	case <-wake:
		return true
	case <-ctx.Done():
		return false
	case <-l.stop:
		return false
	}
}
