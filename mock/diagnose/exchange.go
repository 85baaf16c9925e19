package diagnose

import (
	"time"

	"github.com/appmaker/refresh-conformance/mock/token"
)

// Exchange is what a rule needs to know about one refresh request and its answer. The mock fills it
// from what the request's steps found; a proxy that sees only the traffic fills what it can, and
// leaves the rest zero ("unknown"). It holds fingerprints, never a token.
type Exchange struct {
	// At is the mock's clock when the answer was decided (before a latency fault holds it back).
	// Observe expects exchanges of a session in the order of At.
	At      time.Time
	EventID int64 // the request's /__mock/events id
	// Session is the session the presented tokens belong to; "" when none could be known. A proxy
	// may name a session by the fingerprint of the first token of its chain.
	Session string
	// Token is the Fingerprint of the refresh token presented; "" when none was read.
	Token      string
	Generation int // of the refresh token presented; 0 when unknown
	// Current is the session's generation once the answer was decided; 0 when unknown.
	Current int
	// RotatedAt is when the presented token was used up by an earlier rotation; zero when it
	// was not, or when that is unknown (the watcher then looks in its own recent rotations).
	RotatedAt time.Time

	Status int    // the status answered; 0 when no answer reached the client (a lost response)
	Code   string // the X-Mock-Error code answered, such as "refresh_token_reused"; "" for a 201
	// Rotated: this request used up the presented token and a new generation was issued,
	// whether or not the answer reached the client.
	Rotated bool
	// Replayed: a grace window answered the successor pair of an already rotated token again.
	Replayed bool
	// Forced: a fault rule or a Prefer header chose the answer; it says nothing about the session.
	Forced bool
	// Ended: the answer told the client its session is over, known otherwise than by Code (a
	// proxy in front of a server that sends no machine code takes a refresh's 401 for it).
	Ended bool

	// NoCredential: the request had neither Authorization: Bearer nor x-access-token.
	NoCredential bool
	// BodyFields are the property names of the body when it was a JSON object (empty, not nil,
	// for {}); nil when the body was not read or was not an object.
	BodyFields []string
	// Problems are the 400 answer's validationError: field name to messages.
	Problems map[string][]string
}

// Fingerprint is how an Exchange names a refresh token: token.Hash's fingerprint, the one
// every part of the mock shows.
func Fingerprint(refreshToken string) string { return token.HashOf(refreshToken).Fingerprint() }

// Session-ending codes: after an answer with one of these, the session's tokens are no good.
const (
	codeReused  = "refresh_token_reused"
	codeRevoked = "session_revoked"
	codeExpired = "refresh_token_expired"
)

// ends reports whether ex's answer told the client that its session is over.
func (ex Exchange) ends() bool {
	if ex.Forced {
		return false
	}
	if ex.Ended {
		return true
	}
	switch ex.Code {
	case codeReused, codeRevoked, codeExpired:
		return true
	}
	return false
}
