package conformance

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// State is how a spec ended, as a person reads a report.
type State string

// The states of a spec in a report.
const (
	StatePassed    State = "passed"
	StateFailed    State = "failed"
	StateNotJudged State = "not judged"
	StateSkipped   State = "skipped"
)

// SpecResult is one spec of a run, every text already redacted.
type SpecResult struct {
	Name   string
	Labels []string
	State  State
	// Rule is what the spec judges and, in brackets, where it is written (the document or an RFC).
	Rule string
	// Message is the failure's line, or why the spec was skipped or not judged.
	Message   string
	Outcomes  []string
	Warnings  []string
	Exchanges []ExchangeText
}

// ExchangeText is one exchange as a report shows it.
type ExchangeText struct {
	Summary string // "POST https://… -> 401 Unauthorized in 12ms"
	Text    string // request, response and the curl line
}

// Curl is the exchange's curl line, if its text has one.
func (e ExchangeText) Curl() string {
	for _, line := range strings.Split(e.Text, "\n") {
		if rest, ok := strings.CutPrefix(line, "reproduce: "); ok {
			return rest
		}
	}
	return ""
}

// RunReport is a whole run for a person: report.html and summary.md.
type RunReport struct {
	Target   string
	Spec     string
	Started  time.Time
	Duration time.Duration
	// Warnings go at the very top (tokens revealed, TLS not verified).
	Warnings []string
	// Notes describe the run: the token source, the declared grace window.
	Notes []string
	Specs []SpecResult
}

// NewRunReport starts the report of a run against t.
func NewRunReport(t *Target, r *Redactor, tokenSource string) *RunReport {
	return &RunReport{
		Target:   r.Redact(t.BaseURL),
		Spec:     t.Spec.Source(),
		Warnings: Warnings(t),
		Notes:    []string{"sessions from " + tokenSource, graceLine(t), fmt.Sprintf("timeout %s per request", t.Timeout)},
	}
}

// Result is the SpecResult of a check run outside a suite: err (nil when it passed)
// decides the state; exchanges are the ones the check made.
func Result(name string, labels []string, rule string, err error, exchanges []*Exchange, r *Redactor) SpecResult {
	s := SpecResult{Name: name, Labels: labels, Rule: rule, State: StatePassed}
	var nj *NotJudged
	switch {
	case errors.As(err, &nj):
		s.State, s.Message = StateNotJudged, r.Redact(nj.Error())
	case err != nil:
		s.State, s.Message = StateFailed, r.Redact(err.Error())
	}
	for _, ex := range exchanges {
		s.Exchanges = append(s.Exchanges, ExchangeText{Summary: ex.Summary(r), Text: ex.Format(r)})
	}
	return s
}

// Counts are the totals of a report.
type Counts struct {
	Passed, Failed, NotJudged, Skipped, Warnings int
}

func (c *Counts) add(s SpecResult) {
	switch s.State {
	case StatePassed:
		c.Passed++
	case StateFailed:
		c.Failed++
	case StateNotJudged:
		c.NotJudged++
	default:
		c.Skipped++
	}
	c.Warnings += len(s.Warnings)
}

// Total counts every spec.
func (r *RunReport) Total() Counts {
	var c Counts
	for _, s := range r.Specs {
		c.add(s)
	}
	return c
}

// LabelCounts are the totals of the specs that carry one label.
type LabelCounts struct {
	Label string
	Counts
}

// ByLabel counts per label, sorted by label; specs without one count under "(none)".
func (r *RunReport) ByLabel() []LabelCounts {
	m := map[string]*Counts{}
	for _, s := range r.Specs {
		labels := s.Labels
		if len(labels) == 0 {
			labels = []string{"(none)"}
		}
		for _, l := range labels {
			if m[l] == nil {
				m[l] = &Counts{}
			}
			m[l].add(s)
		}
	}
	out := make([]LabelCounts, 0, len(m))
	for l, c := range m {
		out = append(out, LabelCounts{l, *c})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}

// In lists the specs in state.
func (r *RunReport) In(state State) []SpecResult {
	var out []SpecResult
	for _, s := range r.Specs {
		if s.State == state {
			out = append(out, s)
		}
	}
	return out
}

// Warned lists the specs with warnings.
func (r *RunReport) Warned() []SpecResult {
	var out []SpecResult
	for _, s := range r.Specs {
		if len(s.Warnings) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// WriteFiles writes report.html and summary.md into dir, creating it.
func (r *RunReport) WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("conformance: report directory: %w", err)
	}
	for name, write := range map[string]func(*os.File) error{
		"report.html": func(f *os.File) error { return r.WriteHTML(f) },
		"summary.md":  func(f *os.File) error { return r.WriteMarkdown(f) },
	} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("conformance: write %s: %w", name, err)
		}
		err = write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("conformance: write %s: %w", name, err)
		}
	}
	return nil
}
