package proxy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
)

// Where the refresh rules are written.
const (
	rfcRotation = "RFC 9700 §4.14.2; RFC 6749 §6"
	rfcReuse    = "RFC 6749 §10.4; RFC 9700 §4.14.2"
)

// fingerprint is the first half of a token's SHA-256: what the proxy keeps instead of
// the token. 128 bits keep collisions out of reach for any number of tokens it holds.
type fingerprint [16]byte

func fingerprintOf(parts ...string) fingerprint {
	h := sha256.New()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(p))
	}
	var f fingerprint
	copy(f[:], h.Sum(nil))
	return f
}

// String is the first 16 hex digits, enough to tell families apart in a report.
func (f fingerprint) String() string { return "sha256:" + hex.EncodeToString(f[:8]) }

// tokenState is what the proxy knows of one refresh token.
type tokenState struct {
	family fingerprint // the first token of its family the proxy saw
	// firstSeen is the exchange that first presented or handed out the token.
	firstSeen uint64
	// spentBy is the exchange whose 201 spent the token (0: not spent); successor
	// and successorPair are the refresh token and the pair that 201 answered.
	spentBy       uint64
	successor     fingerprint
	successorPair fingerprint
	// inFlight counts the requests presenting it that have no answer yet; lastPresenter
	// is the latest of them.
	inFlight      int
	lastPresenter uint64
}

// finding is one refresh rule broken, before it becomes a Violation.
type finding struct {
	rule        Rule
	party       Party
	description string
	location    string
	seen        string
	family      fingerprint
}

// families holds the refresh tokens seen, by fingerprint, at most max of them: the
// oldest seen is forgotten first. It is safe for concurrent use.
type families struct {
	mu     sync.Mutex
	tokens map[fingerprint]*tokenState
	order  []fingerprint // a ring, in the order first seen
	next   int
	max    int
}

func newFamilies(max int) *families {
	return &families{tokens: make(map[fingerprint]*tokenState), order: make([]fingerprint, 0, min(max, 1024)), max: max}
}

// add records a token not seen before, forgetting the oldest when full.
func (fs *families) add(f fingerprint, st *tokenState) {
	if len(fs.order) < fs.max {
		fs.order = append(fs.order, f)
	} else {
		delete(fs.tokens, fs.order[fs.next])
		fs.order[fs.next] = f
		fs.next = (fs.next + 1) % fs.max
	}
	fs.tokens[f] = st
}

// len is how many tokens are remembered.
func (fs *families) len() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.tokens)
}

// present records that exchange id presents token f. An app must present a refresh token
// once: after its 201, or while another request is spending it, presenting it again is a
// client bug (a second tab, a retry without single-flight, a stale copy).
func (fs *families) present(f fingerprint, id uint64) (fingerprint, *finding) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	st, ok := fs.tokens[f]
	if !ok {
		st = &tokenState{family: f, firstSeen: id}
		fs.add(f, st)
	}
	var found *finding
	switch {
	case st.spentBy != 0:
		found = &finding{seen: fmt.Sprintf("presented a refresh token that exchange #%d already spent (answered 201)", st.spentBy)}
	case st.inFlight > 0:
		found = &finding{seen: fmt.Sprintf("presented a refresh token that exchange #%d is presenting at the same time (no single flight)", st.lastPresenter)}
	}
	if found != nil {
		found.rule, found.party, found.family = RuleSpentTokenPresented, PartyClient, st.family
		found.description = "an app presents each refresh token once and then uses the one answered"
		found.location = rfcReuse
	}
	st.inFlight++
	st.lastPresenter = id
	return st.family, found
}

// release ends exchange id's presentation of f.
func (fs *families) release(f fingerprint) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if st, ok := fs.tokens[f]; ok && st.inFlight > 0 {
		st.inFlight--
	}
}

// answered judges the 201 of exchange id, which presented token presented (nil when it
// presented none the proxy could read) and was answered pair. replayed says the answer was
// a grace window's: the same pair an earlier 201 answered that token.
func (fs *families) answered(presented *fingerprint, access, refresh string, id uint64) (out []finding, replayed bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	answered := fingerprintOf(refresh)
	pair := fingerprintOf(access, refresh)
	var st *tokenState
	graceReplay := false
	family := answered
	if presented != nil {
		st = fs.tokens[*presented]
		if st == nil { // forgotten while in flight: start again from here
			st = &tokenState{family: *presented, firstSeen: id}
			fs.add(*presented, st)
		}
		family = st.family
		if answered == *presented {
			// RFC 9700 §4.14.2: a refresh rotates the refresh token; answering the one presented does not.
			return []finding{{rule: RuleNoRotation, party: PartyServer, family: family, location: rfcRotation,
				description: "a refresh answers a new refresh token",
				seen:        "answered 201 with the refresh token that was presented"}}, false
		}
		switch {
		case st.spentBy == 0 || st.spentBy == id:
			st.spentBy, st.successor, st.successorPair = id, answered, pair
		case st.successorPair == pair:
			// A grace window (RFC 9700 §4.14.2 allows one) answers a replay with the same pair.
			graceReplay = true
		default:
			// RFC 6749 §10.4: a rotated refresh token presented again means it leaked.
			out = append(out, finding{rule: RuleReuseAccepted, party: PartyServer, family: family, location: rfcReuse,
				description: "a refresh token that was already rotated is refused, or answered the same pair within a grace window",
				seen:        fmt.Sprintf("answered 201 with a different pair to a refresh token exchange #%d already rotated", st.spentBy)})
		}
	}
	if seen, ok := fs.tokens[answered]; ok && !graceReplay {
		out = append(out, finding{rule: RuleRefreshTokenReissued, party: PartyServer, family: family, location: rfcRotation,
			description: "a refresh answers a refresh token never handed out or presented before",
			seen:        fmt.Sprintf("answered 201 with a refresh token first seen in exchange #%d", seen.firstSeen)})
	} else if !ok {
		fs.add(answered, &tokenState{family: family, firstSeen: id})
	}
	return out, graceReplay
}
