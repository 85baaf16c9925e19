package diagnose

import (
	"slices"
	"time"
)

// Bounds on what one session keeps.
const (
	minRotations   = 8  // recent rotations kept to date a stale token (more when the storm count needs them)
	maxOpenBursts  = 8  // tokens presented within the last race window
	maxBurstEvents = 64 // event ids listed by one concurrent-refresh finding; the count goes on
)

// sessionState is what the rules remember of one session between its requests.
type sessionState struct {
	id        string
	rotations []rotation // oldest first
	bursts    []burst    // started within the race window of the latest presentation
	end       *ending    // the answer that told the client its session is over; nil while it lives
	loggedOut bool       // refresh-after-logout was found: once per session
	lastStorm time.Time  // when refresh-storm was last found; zero before
}

type rotation struct {
	token string
	gen   int
	at    time.Time
	event int64
}

// burst is the presentations of one token within the race window of its first.
type burst struct {
	token    string
	gen      int
	start    time.Time
	events   []int64 // at most maxBurstEvents
	count    int
	replayed bool // a grace window answered one of them
}

type ending struct {
	at    time.Time
	event int64
	code  string
	late  []int64 // requests more than the race window after it
}

// observe runs the rules that need the session's past, in order, and then remembers ex.
func (s *sessionState) observe(cfg Config, ex Exchange, found []Finding) []Finding {
	if ex.Rotated {
		s.end = nil // a rotation means the session lives (the clock was set back)
	}
	// A request after the end is judged as such only: its token being stale is not news then.
	if s.end != nil {
		found = appendIf(found, s.afterLogout(cfg, ex))
	} else {
		found = appendIf(found, s.staleReplay(cfg, ex))
	}
	found = appendIf(found, s.concurrent(cfg, ex))
	if ex.Rotated {
		s.remember(cfg, ex)
		found = appendIf(found, s.storm(cfg, ex))
	}
	if s.end == nil && ex.ends() {
		s.end = &ending{at: ex.At, event: ex.EventID, code: ex.Code}
	}
	return found
}

// remember keeps ex's rotation, dropping the oldest past the bound.
func (s *sessionState) remember(cfg Config, ex Exchange) {
	if len(s.rotations) == max(minRotations, cfg.Storm.Count+1) {
		s.rotations = slices.Delete(s.rotations, 0, 1)
	}
	s.rotations = append(s.rotations, rotation{token: ex.Token, gen: ex.Generation, at: ex.At, event: ex.EventID})
}

// rotationOf finds the rotation that used up token, if it is still remembered.
func (s *sessionState) rotationOf(token string) (rotation, bool) {
	for i := len(s.rotations) - 1; i >= 0; i-- {
		if s.rotations[i].token == token {
			return s.rotations[i], true
		}
	}
	return rotation{}, false
}

func appendIf(found []Finding, f *Finding) []Finding {
	if f == nil {
		return found
	}
	return append(found, *f)
}
