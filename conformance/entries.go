package conformance

import "fmt"

// Names of the report entries a suite attaches to a spec; BuildReport reads them back.
const (
	EntryRule     = "rule"
	EntryOutcome  = "outcome"
	EntryWarning  = "warning"
	EntryExchange = "exchange: "
)

// Warnings are what a run's output and every report must say at their top: settings that
// weaken what the run protects.
func Warnings(t *Target) []string {
	var out []string
	if t.RevealTokens {
		out = append(out, "CONFORMANCE_REVEAL_TOKENS=1: this run's output and reports carry REAL TOKENS in clear; do not share them")
	}
	if t.InsecureTLS {
		out = append(out, "CONFORMANCE_INSECURE_TLS=1: the server's TLS certificate was NOT verified")
	}
	return out
}

// graceLine says what a run knows of the server's grace window.
func graceLine(t *Target) string {
	if t.ReuseGrace == 0 {
		return "reuse grace window: not declared (CONFORMANCE_REUSE_GRACE)"
	}
	return fmt.Sprintf("reuse grace window: %s (CONFORMANCE_REUSE_GRACE)", t.ReuseGrace)
}
