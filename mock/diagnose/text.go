package diagnose

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/appmaker/refresh-conformance/internal/redact"
)

// newFinding fills what every finding takes from the request that completes it.
func newFinding(kind Kind, ex Exchange, events []int64, message string) Finding {
	f := Finding{Kind: kind, Severity: kind.Severity(), Generation: ex.Generation,
		EventIDs: events, At: ex.At, Message: message}
	if ex.Session != "" {
		session := ex.Session
		f.SessionID = &session
	}
	return f
}

// malformedMessage names what the document expects and what was sent.
func malformedMessage(ex Exchange) string {
	const expects = `the document expects a JSON object {"refreshToken": "<refresh token>"} sent with Content-Type: application/json.`
	if name, ok := misnamed(ex.BodyFields); ok {
		return fmt.Sprintf(`The refresh body named its property %s, but property names are case-sensitive: `+
			`the document expects {"refreshToken": "<refresh token>"}. Rename it where the refresh request is built.`, quoted(name))
	}
	var sent []string
	for _, field := range slices.Sorted(maps.Keys(ex.Problems)) {
		if msgs := ex.Problems[field]; len(msgs) > 0 && len(sent) < 3 {
			sent = append(sent, clip(field)+" "+clip(msgs[0]))
		}
	}
	switch {
	case ex.BodyFields == nil:
	case len(ex.BodyFields) == 0:
		sent = append(sent, "the body was {}")
	default:
		names := make([]string, 0, 4)
		for _, name := range ex.BodyFields[:min(len(ex.BodyFields), 4)] {
			names = append(names, quoted(name))
		}
		sent = append(sent, "the body's properties were "+strings.Join(names, ", "))
	}
	if len(sent) == 0 {
		return "The refresh was answered 400: " + expects
	}
	return "The refresh was answered 400 (" + strings.Join(sent, "; ") + "): " + expects
}

// misnamed finds refreshToken spelled another way (refresh_token, RefreshToken, refresh-token) in a body without it.
func misnamed(fields []string) (string, bool) {
	if slices.Contains(fields, "refreshToken") {
		return "", false
	}
	for _, name := range fields {
		if strings.EqualFold(strings.ReplaceAll(strings.ReplaceAll(name, "_", ""), "-", ""), "refreshtoken") {
			return name, true
		}
	}
	return "", false
}

// clip shows a value the client sent: anything token-shaped redacted, cut to 60 characters.
func clip(s string) string {
	s = redact.JWTs(s)
	if r := []rune(s); len(r) > 60 {
		s = string(r[:60]) + "…"
	}
	return s
}

// quoted is clip, quoted: for names, where the quotes show what was sent exactly.
func quoted(s string) string { return strconv.Quote(clip(s)) }

// tokenPhrase names a token by what is known of it: " (generation 3, fingerprint 9f86d081884c)".
func tokenPhrase(gen int, token string) string {
	var parts []string
	if gen > 0 {
		parts = append(parts, "generation "+strconv.Itoa(gen))
	}
	if isFingerprint(token) {
		parts = append(parts, "fingerprint "+token)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func currentPhrase(current int) string {
	if current == 0 {
		return ""
	}
	return ", while generation " + strconv.Itoa(current) + " was current"
}

// isFingerprint accepts what Fingerprint makes and shorter hex: nothing else is ever printed,
// so a caller that passes a token by mistake does not put it in a message.
func isFingerprint(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

// human rounds a duration for a sentence: milliseconds under a minute, seconds above.
func human(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
