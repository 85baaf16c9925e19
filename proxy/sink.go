package proxy

import (
	"encoding/json"
	"io"
	"sync"
	"time"
)

// Violation is one broken rule seen on one exchange, every token redacted.
type Violation struct {
	Time time.Time `json:"time"`
	// Rule is a short name, the one --annotate puts in X-Conformance-Violation.
	Rule Rule `json:"rule"`
	// Party is who broke it: the server (upstream), the client (the app), or the proxy
	// itself for what it could not judge or forward.
	Party Party `json:"party"`
	// Description is the rule as a sentence, as the conformance suite words it.
	Description string `json:"description"`
	// Location is where the rule is written: a place in the document or an RFC section.
	Location string `json:"location"`
	// Seen is what happened instead.
	Seen string `json:"seen"`
	// Family is the fingerprint of the first refresh token of the family the exchange
	// belongs to, for the refresh rules; never a token.
	Family   string `json:"family,omitempty"`
	Exchange Record `json:"exchange"`
}

// Rule names a rule the proxy judges.
type Rule string

// The rules. The first two are the document's (conformance.ValidateRequest and
// conformance.Validate); the next four are the refresh rules seen across exchanges.
const (
	RuleInvalidRequest       Rule = "invalid-request"
	RuleInvalidResponse      Rule = "invalid-response"
	RuleNoRotation           Rule = "no-rotation"
	RuleReuseAccepted        Rule = "reuse-accepted"
	RuleSpentTokenPresented  Rule = "spent-token-presented"
	RuleRefreshTokenReissued Rule = "refresh-token-reissued"
	// Not broken rules: what the proxy could not judge or forward.
	RuleUnvalidatedBody     Rule = "unvalidated-body"
	RuleUpstreamTimeout     Rule = "upstream-timeout"
	RuleUpstreamUnreachable Rule = "upstream-unreachable"
)

// Party is who broke a rule.
type Party string

// The parties.
const (
	PartyServer Party = "server"
	PartyClient Party = "client"
	PartyProxy  Party = "proxy"
)

// Record is the exchange a violation was seen on, as it can be shown: credentials and
// tokens redacted, bodies cut.
type Record struct {
	ID       uint64  `json:"id"`
	Method   string  `json:"method"`
	URL      string  `json:"url"`
	Status   int     `json:"status,omitempty"`
	Duration float64 `json:"durationMs"`
	// RefusedByProxy is set when --strict answered and the upstream never saw the request.
	RefusedByProxy bool     `json:"refusedByProxy,omitempty"`
	Request        Message  `json:"request"`
	Response       *Message `json:"response,omitempty"`
	Curl           string   `json:"curl"`
}

// Message is one side of an exchange.
type Message struct {
	Headers map[string][]string `json:"headers,omitempty"`
	// Body is the start of the body, redacted; BodyBytes is its whole length, or how
	// much the proxy read of it when it was larger than it judges.
	Body      string `json:"body,omitempty"`
	BodyBytes int    `json:"bodyBytes"`
}

// Sink receives every violation. Report is called from the goroutine serving the
// exchange, before the answer's body reaches the app; it must be safe for concurrent use
// and should not block. The mock's event journal can subscribe with a SinkFunc.
type Sink interface {
	Report(Violation)
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(Violation)

// Report calls f(v).
func (f SinkFunc) Report(v Violation) { f(v) }

// JSONLines writes each violation as one line of JSON to w.
func JSONLines(w io.Writer) Sink { return &jsonLines{enc: json.NewEncoder(w)} }

type jsonLines struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (j *jsonLines) Report(v Violation) {
	j.mu.Lock()
	defer j.mu.Unlock()
	_ = j.enc.Encode(v) // a report that cannot be written must not fail the exchange
}

// Tee hands every violation to each sink in turn.
func Tee(sinks ...Sink) Sink {
	return SinkFunc(func(v Violation) {
		for _, s := range sinks {
			s.Report(v)
		}
	})
}
