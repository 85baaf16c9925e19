package diagnose

import "time"

// Kind names a client mistake. The names are relied on by the X-Mock-Diagnostic header,
// the control plane and test runners.
type Kind string

// The kinds of finding; docs/DIAGNOSTICS.md says when each is made and what usually fixes it.
const (
	ConcurrentRefresh  Kind = "concurrent-refresh"
	StaleTokenReplay   Kind = "stale-token-replay"
	RefreshAfterLogout Kind = "refresh-after-logout"
	MalformedRequest   Kind = "malformed-request"
	MissingCredential  Kind = "missing-credential"
	RefreshStorm       Kind = "refresh-storm"
)

// Severity says whether a finding breaks users (error) or only wastes requests (warning).
type Severity string

// The severities.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Severity is RefreshStorm's Warning and every other kind's Error.
func (k Kind) Severity() Severity {
	if k == RefreshStorm {
		return Warning
	}
	return Error
}

// Finding is one mistake of a client, as the control plane lists it. It never holds a token.
type Finding struct {
	Kind       Kind      `json:"kind"`
	Severity   Severity  `json:"severity"`
	SessionID  *string   `json:"sessionId"`            // null when no session could be known
	Generation int       `json:"generation,omitempty"` // of the refresh token presented; 0 when none was known
	EventIDs   []int64   `json:"eventIds"`             // the requests involved, oldest first
	At         time.Time `json:"at"`                   // the mock's clock at the request that completed the finding
	Message    string    `json:"message"`              // what happened and what usually fixes it
}

// Key identifies a finding across Observe calls. A concurrent-refresh finding is returned by the
// second request of its burst and again, with more EventIDs, by each later one: a store keeps the
// last finding returned for a Key. Every other finding is returned once.
type Key struct {
	Kind       Kind
	Session    string
	FirstEvent int64
}

// Key is the finding's identity: its kind, session and first event.
func (f Finding) Key() Key {
	k := Key{Kind: f.Kind}
	if f.SessionID != nil {
		k.Session = *f.SessionID
	}
	if len(f.EventIDs) > 0 {
		k.FirstEvent = f.EventIDs[0]
	}
	return k
}

// Header names, on the answer that completes findings, their kinds, comma-separated
// ("concurrent-refresh"), so that a browser's network panel shows them. The mock sets it,
// and the proxy with --annotate.
const Header = "X-Mock-Diagnostic"
