package diagnose

import (
	"cmp"
	"slices"
	"sync"
)

// Bounds on the findings kept: per session, for requests with no session, and sessions.
// Past a bound the oldest goes first.
const (
	maxFindingsPerSession   = 32
	maxSessionlessFindings  = 256
	maxSessionsWithFindings = 1024
)

// Findings keeps a Watcher's findings per session in the order they were made, within the
// bounds above. A finding made again under the same Key (a concurrent-refresh burst that
// grew) replaces the earlier one and moves to the end, where its time now puts it. It is
// safe for concurrent use.
type Findings struct {
	mu       sync.Mutex
	seq      uint64
	sessions map[string][]loggedFinding
	alone    []loggedFinding // findings whose session could not be known
}

type loggedFinding struct {
	seq uint64
	Finding
}

// NewFindings returns an empty store.
func NewFindings() *Findings { return &Findings{sessions: map[string][]loggedFinding{}} }

// Add keeps f.
func (l *Findings) Add(f Finding) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	if f.SessionID == nil {
		l.alone = appendBounded(l.alone, loggedFinding{l.seq, f}, maxSessionlessFindings)
		return
	}
	id := *f.SessionID
	list, known := l.sessions[id]
	if !known && len(l.sessions) >= maxSessionsWithFindings {
		l.dropStalestSession()
	}
	key := f.Key()
	list = slices.DeleteFunc(list, func(old loggedFinding) bool { return old.Key() == key })
	l.sessions[id] = appendBounded(list, loggedFinding{l.seq, f}, maxFindingsPerSession)
}

func appendBounded(list []loggedFinding, f loggedFinding, bound int) []loggedFinding {
	if len(list) >= bound {
		list = slices.Delete(list, 0, len(list)-bound+1)
	}
	return append(list, f)
}

// dropStalestSession forgets the session whose newest finding is the oldest.
func (l *Findings) dropStalestSession() {
	var stalest string
	var newest uint64
	for id, list := range l.sessions {
		if last := list[len(list)-1].seq; stalest == "" || last < newest {
			stalest, newest = id, last
		}
	}
	delete(l.sessions, stalest)
}

// Session lists the findings of one session, oldest first; ok is false when it has none.
func (l *Findings) Session(id string) (findings []Finding, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	list, ok := l.sessions[id]
	return unlog(list), ok
}

// All lists every finding, of every session and of none, oldest first.
func (l *Findings) All() []Finding {
	l.mu.Lock()
	defer l.mu.Unlock()
	merged := slices.Clone(l.alone)
	for _, list := range l.sessions {
		merged = append(merged, list...)
	}
	slices.SortFunc(merged, func(a, b loggedFinding) int { return cmp.Compare(a.seq, b.seq) })
	return unlog(merged)
}

func unlog(list []loggedFinding) []Finding {
	out := make([]Finding, len(list))
	for i, f := range list {
		out[i] = f.Finding
	}
	return out
}

// Clear forgets one session's findings and says how many there were.
func (l *Findings) Clear(id string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.sessions[id])
	delete(l.sessions, id)
	return n
}

// ClearAll forgets every finding and says how many there were.
func (l *Findings) ClearAll() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.alone)
	for _, list := range l.sessions {
		n += len(list)
	}
	clear(l.sessions)
	l.alone = nil
	return n
}

// SessionIDs lists the sessions that have findings.
func (l *Findings) SessionIDs() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ids := make([]string, 0, len(l.sessions))
	for id := range l.sessions {
		ids = append(ids, id)
	}
	return ids
}
