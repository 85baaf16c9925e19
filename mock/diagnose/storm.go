package diagnose

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxStormCount bounds StormLimit.Count: the watcher keeps that many rotation times per session.
const MaxStormCount = 100

// StormLimit is the most successful rotations of one session allowed within Window; one more is a refresh-storm.
// It is a flag.Value, so --storm-limit can be registered with flag.Var.
type StormLimit struct {
	Count  int
	Window time.Duration
}

// ParseStormLimit reads "<count>/<window>", such as "5/1m" or "20/30s".
func ParseStormLimit(s string) (StormLimit, error) {
	count, window, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return StormLimit{}, fmt.Errorf("storm limit %q: want <count>/<window>, such as 5/1m", s)
	}
	n, err := strconv.Atoi(count)
	if err != nil || n < 1 {
		return StormLimit{}, fmt.Errorf("storm limit %q: count %q is not a whole number above 0", s, count)
	}
	if n > MaxStormCount {
		return StormLimit{}, fmt.Errorf("storm limit %q: count %d is over %d", s, n, MaxStormCount)
	}
	d, err := time.ParseDuration(window)
	if err != nil || d <= 0 {
		return StormLimit{}, fmt.Errorf("storm limit %q: window %q is not a duration above 0, such as 30s, 1m or 1h", s, window)
	}
	return StormLimit{Count: n, Window: d}, nil
}

// String writes the limit as ParseStormLimit reads it: "5/1m", not "5/1m0s".
func (l StormLimit) String() string {
	return strconv.Itoa(l.Count) + "/" + shortDuration(l.Window)
}

// Set parses s into l, for flag.Var.
func (l *StormLimit) Set(s string) error {
	parsed, err := ParseStormLimit(s)
	if err != nil {
		return err
	}
	*l = parsed
	return nil
}

// shortDuration drops the zero minutes and seconds time.Duration.String writes: 1m, 1h, 1h30m.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
