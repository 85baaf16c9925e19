package conformance

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults of the generated checks: the whole set against the embedded mock runs in a
// few seconds.
const (
	DefaultGeneratedCases  = 25
	DefaultGeneratedBudget = 60 * time.Second
)

var generatedSettings = []setting{
	{"generated-cases", "CONFORMANCE_GENERATED_CASES", fmt.Sprintf("bodies drawn per operation by the seeded generator of the generated checks (default %d; at most -rapid.checks)", DefaultGeneratedCases)},
	{"generated-budget", "CONFORMANCE_GENERATED_BUDGET", fmt.Sprintf("time budget of all generated checks, e.g. 30s; once spent, the rest are skipped (default %s)", DefaultGeneratedBudget)},
}

// GeneratedSettings are the raw values of the generated checks' flags; empty ones fall
// back to the environment when resolved.
type GeneratedSettings struct {
	values map[string]*string
}

// RegisterGeneratedFlags adds --generated-cases and --generated-budget to fs.
func RegisterGeneratedFlags(fs *flag.FlagSet) *GeneratedSettings {
	s := &GeneratedSettings{values: map[string]*string{}}
	for _, st := range generatedSettings {
		s.values[st.flag] = fs.String(st.flag, "", st.usage+" [env "+st.env+"]")
	}
	return s
}

// Generated is how far the generated checks go.
type Generated struct {
	// Cases is how many bodies the seeded generator draws per operation.
	Cases  int
	Budget *Budget
}

// Resolve reads each setting from its flag, else from getenv, and checks them all.
func (s *GeneratedSettings) Resolve(getenv func(string) string) (*Generated, error) {
	g := &Generated{Cases: DefaultGeneratedCases}
	budget := DefaultGeneratedBudget
	var problems []error
	for _, st := range generatedSettings {
		v := strings.TrimSpace(*s.values[st.flag])
		if v == "" {
			v = strings.TrimSpace(getenv(st.env))
		}
		if v == "" {
			continue
		}
		switch st.flag {
		case "generated-cases":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				problems = append(problems, fmt.Errorf("%s (--%s): %q is not a positive whole number like 25", st.env, st.flag, v))
			}
			g.Cases = n
		case "generated-budget":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				problems = append(problems, fmt.Errorf("%s (--%s): %q is not a positive duration like 30s or 2m", st.env, st.flag, v))
			}
			budget = d
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("conformance: invalid settings:\n%w", errors.Join(problems...))
	}
	g.Budget = NewBudget(budget)
	return g, nil
}

// Budget is the time all generated checks may take together; it starts with the first
// check that asks for it. It is safe for concurrent use.
type Budget struct {
	d        time.Duration
	once     sync.Once
	deadline time.Time
}

// NewBudget returns a budget of d, not yet started.
func NewBudget(d time.Duration) *Budget { return &Budget{d: d} }

// Deadline starts the budget if it has not started, and returns when it ends.
func (b *Budget) Deadline() time.Time {
	b.once.Do(func() { b.deadline = time.Now().Add(b.d) })
	return b.deadline
}

// Spent says why no more checks run, or "" while time is left.
func (b *Budget) Spent() string {
	if time.Now().Before(b.Deadline()) {
		return ""
	}
	return fmt.Sprintf("the time budget of the generated checks (%s, CONFORMANCE_GENERATED_BUDGET or --generated-budget) is spent", b.d)
}
