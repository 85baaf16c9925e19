package mock

import (
	"cmp"
	"slices"
	"sync"

	"github.com/appmaker/refresh-conformance/mock/diagnose"
)

// Bounds on the findings kept: per session, for requests with no session, and sessions.
// Past a bound the oldest goes first.
const (
	maxFindingsPerSession   = 32
	maxSessionlessFindings  = 256
	maxSessionsWithFindings = 1024
)

// findingLog keeps the watcher's findings per session in the order they were made. A finding
// made again under the same Key (a concurrent-refresh burst that grew) replaces the earlier
// one and moves to the end, where its time now puts it.
type findingLog struct {
	mu       sync.Mutex
	seq      uint64
	sessions map[string][]loggedFinding
	alone    []loggedFinding // findings whose session could not be known
}

type loggedFinding struct {
	seq uint64
	diagnose.Finding
}

func newFindingLog() *findingLog { return &findingLog{sessions: map[string][]loggedFinding{}} }

func (l *findingLog) add(f diagnose.Finding) {
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
func (l *findingLog) dropStalestSession() {
	var stalest string
	var newest uint64
	for id, list := range l.sessions {
		if last := list[len(list)-1].seq; stalest == "" || last < newest {
			stalest, newest = id, last
		}
	}
	delete(l.sessions, stalest)
}

// session lists the findings of one session, oldest first; ok is false when it has none.
func (l *findingLog) session(id string) (findings []diagnose.Finding, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	list, ok := l.sessions[id]
	return unlog(list), ok
}

// all lists every finding, of every session and of none, oldest first.
func (l *findingLog) all() []diagnose.Finding {
	l.mu.Lock()
	defer l.mu.Unlock()
	merged := slices.Clone(l.alone)
	for _, list := range l.sessions {
		merged = append(merged, list...)
	}
	slices.SortFunc(merged, func(a, b loggedFinding) int { return cmp.Compare(a.seq, b.seq) })
	return unlog(merged)
}

func unlog(list []loggedFinding) []diagnose.Finding {
	out := make([]diagnose.Finding, len(list))
	for i, f := range list {
		out[i] = f.Finding
	}
	return out
}

// clear forgets one session's findings and says how many there were.
func (l *findingLog) clear(id string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.sessions[id])
	delete(l.sessions, id)
	return n
}

// clearAll forgets every finding and says how many there were.
func (l *findingLog) clearAll() int {
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

// sessionIDs lists the sessions that have findings.
func (l *findingLog) sessionIDs() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ids := make([]string, 0, len(l.sessions))
	for id := range l.sessions {
		ids = append(ids, id)
	}
	return ids
}
