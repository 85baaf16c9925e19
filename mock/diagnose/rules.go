package diagnose

import (
	"fmt"
	"slices"
)

// judgeAlone runs the rules that need nothing but the request itself.
func judgeAlone(ex Exchange) []Finding {
	var found []Finding
	// The refresh operation's request body is {"refreshToken": string}, sent as application/json.
	if ex.Status == 400 && !ex.Forced {
		found = append(found, newFinding(MalformedRequest, ex, []int64{ex.EventID}, malformedMessage(ex)))
	}
	// The refresh operation's security: Authorization: Bearer or x-access-token, on this call too.
	if ex.NoCredential {
		found = append(found, newFinding(MissingCredential, ex, []int64{ex.EventID},
			"The refresh carried no access token: the document requires Authorization: Bearer <access token> "+
				"(or x-access-token) on the refresh call too. Send the stored access token with it; "+
				"an interceptor that leaves auth headers off its own refresh call is the usual cause."))
	}
	return found
}

// concurrent: two or more presentations of one token within the race window of the first, whatever
// they were answered, make one finding per burst. The second request returns it, each later one
// returns it again with its own event id added (same Key).
func (s *sessionState) concurrent(cfg Config, ex Exchange) *Finding {
	if ex.Token == "" {
		return nil
	}
	s.bursts = slices.DeleteFunc(s.bursts, func(b burst) bool { return ex.At.Sub(b.start) > cfg.RaceWindow })
	i := slices.IndexFunc(s.bursts, func(b burst) bool { return b.token == ex.Token })
	if i < 0 {
		if len(s.bursts) == maxOpenBursts {
			s.bursts = slices.Delete(s.bursts, 0, 1)
		}
		s.bursts = append(s.bursts, burst{token: ex.Token, gen: ex.Generation, start: ex.At,
			events: []int64{ex.EventID}, count: 1, replayed: ex.Replayed})
		return nil
	}
	b := &s.bursts[i]
	b.count++
	b.replayed = b.replayed || ex.Replayed
	if b.gen == 0 {
		b.gen = ex.Generation
	}
	if len(b.events) < maxBurstEvents {
		b.events = append(b.events, ex.EventID)
	}
	hidden := "a server without a grace window revokes the session at the second one"
	if b.replayed {
		hidden = "the grace window answered them here, but a server without one revokes the session at the second"
	}
	f := newFinding(ConcurrentRefresh, ex, slices.Clone(b.events), fmt.Sprintf(
		"%d requests presented the same refresh token%s within %s: %s. "+
			"Make the refresh single-flight in each tab (share one in-flight promise) and across tabs "+
			"(the Web Locks API or a BroadcastChannel).",
		b.count, tokenPhrase(b.gen, b.token), human(cfg.RaceWindow), hidden))
	f.Generation = b.gen
	return &f
}

// staleReplay: a token presented more than the race window after it was rotated was kept somewhere
// the rotation did not reach. Within the window it is a race, the concurrent rule's business.
func (s *sessionState) staleReplay(cfg Config, ex Exchange) *Finding {
	if ex.Token == "" || ex.Rotated {
		return nil
	}
	rotatedAt, gen, current := ex.RotatedAt, ex.Generation, ex.Current
	if r, ok := s.rotationOf(ex.Token); ok {
		if rotatedAt.IsZero() {
			rotatedAt = r.at
		}
		if gen == 0 {
			gen = r.gen
		}
	}
	if rotatedAt.IsZero() || ex.At.Sub(rotatedAt) <= cfg.RaceWindow {
		return nil
	}
	if n := len(s.rotations); current == 0 && n > 0 && s.rotations[n-1].gen > 0 {
		current = s.rotations[n-1].gen + 1
	}
	var outcome string
	switch {
	case ex.Replayed:
		outcome = "; the grace window answered it here, but a stricter server revokes the session for it"
	case ex.Code == codeReused:
		outcome = "; the session was revoked for it"
	}
	f := newFinding(StaleTokenReplay, ex, []int64{ex.EventID}, fmt.Sprintf(
		"A refresh token%s was presented %s after it had been rotated%s%s. "+
			"A part of the app (another tab, a cached copy, a service worker, a retry of a lost answer) kept it: "+
			"keep the tokens where every part reads them, and adopt the token another tab stored instead of refreshing with an old copy.",
		tokenPhrase(gen, ex.Token), human(ex.At.Sub(rotatedAt)), currentPhrase(current), outcome))
	f.Generation = gen
	return &f
}

// afterLogout: requests of a session more than the race window after the answer that ended it
// (reuse, revocation, expiry); one such request is forgiven, the second makes the finding, once.
func (s *sessionState) afterLogout(cfg Config, ex Exchange) *Finding {
	if s.loggedOut || ex.At.Sub(s.end.at) <= cfg.RaceWindow {
		return nil
	}
	s.end.late = append(s.end.late, ex.EventID)
	if len(s.end.late) < 2 {
		return nil
	}
	s.loggedOut = true
	f := newFinding(RefreshAfterLogout, ex, append([]int64{s.end.event}, s.end.late...), fmt.Sprintf(
		"%d refreshes came more than %s after the answer that ended this session (%s, event %d): "+
			"the app keeps refreshing a session that is over. On a 401 from the refresh, stop and sign the user out "+
			"(and tell the other tabs, e.g. with a BroadcastChannel).",
		len(s.end.late), human(cfg.RaceWindow), s.end.code, s.end.event))
	return &f
}

// storm: more than Storm.Count rotations within Storm.Window; once per window.
func (s *sessionState) storm(cfg Config, ex Exchange) *Finding {
	if !s.lastStorm.IsZero() && ex.At.Sub(s.lastStorm) <= cfg.Storm.Window {
		return nil
	}
	first := len(s.rotations)
	for first > 0 && ex.At.Sub(s.rotations[first-1].at) <= cfg.Storm.Window {
		first--
	}
	recent := s.rotations[first:]
	if len(recent) <= cfg.Storm.Count {
		return nil
	}
	s.lastStorm = ex.At
	events := make([]int64, len(recent))
	for i, r := range recent {
		events[i] = r.event
	}
	f := newFinding(RefreshStorm, ex, events, fmt.Sprintf(
		"%d rotations of this session within %s (limit %s): the app refreshes far more often than its access token expires. "+
			"Refresh when the access token is about to expire or an API call answers 401, not before every request.",
		len(recent), shortDuration(cfg.Storm.Window), cfg.Storm))
	return &f
}
