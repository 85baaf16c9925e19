package conformance

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// Outcome is how one generated case ended.
type Outcome int

// Outcomes of a generated case.
const (
	Passed Outcome = iota
	Failed
	Skipped
)

type tally struct{ generated, passed, failed, skipped int }

// Summary counts generated cases and their outcomes per operation and per kind.
type Summary struct {
	rows  map[[2]string]*tally
	order [][2]string
}

// NewSummary counts every case of cases as generated, none run yet.
func NewSummary(cases []Case) *Summary {
	s := &Summary{rows: map[[2]string]*tally{}}
	for _, c := range cases {
		s.row(c).generated++
	}
	return s
}

func (s *Summary) row(c Case) *tally {
	key := [2]string{c.Group(), string(c.Kind)}
	t, ok := s.rows[key]
	if !ok {
		t = &tally{}
		s.rows[key] = t
		s.order = append(s.order, key)
	}
	return t
}

// Record counts how c ended.
func (s *Summary) Record(c Case, o Outcome) {
	t := s.row(c)
	switch o {
	case Passed:
		t.passed++
	case Failed:
		t.failed++
	case Skipped:
		t.skipped++
	}
}

// Failed is how many cases failed in all.
func (s *Summary) Failed() int {
	n := 0
	for _, t := range s.rows {
		n += t.failed
	}
	return n
}

// Write prints the table: one row per operation and kind, then the totals. Cases that
// were generated but not run (filtered out) count in neither passed nor failed.
func (s *Summary) Write(w io.Writer) error {
	keys := slices.Clone(s.order)
	slices.SortStableFunc(keys, func(a, b [2]string) int {
		if a[0] != b[0] {
			return strings.Compare(a[0], b[0])
		}
		return strings.Compare(a[1], b[1])
	})
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OPERATION\tKIND\tGENERATED\tPASSED\tFAILED\tSKIPPED")
	var total tally
	for _, k := range keys {
		t := s.rows[k]
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\n", k[0], k[1], t.generated, t.passed, t.failed, t.skipped)
		total.generated += t.generated
		total.passed += t.passed
		total.failed += t.failed
		total.skipped += t.skipped
	}
	fmt.Fprintf(tw, "all\t\t%d\t%d\t%d\t%d\n", total.generated, total.passed, total.failed, total.skipped)
	return tw.Flush()
}
