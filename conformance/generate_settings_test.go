package conformance_test

import (
	"bytes"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/conformance"
)

func TestGeneratedSettings(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		env       map[string]string
		wantCases int
		wantErr   []string
	}{
		{name: "defaults", wantCases: conformance.DefaultGeneratedCases},
		{name: "from the environment", env: map[string]string{"CONFORMANCE_GENERATED_CASES": "7", "CONFORMANCE_GENERATED_BUDGET": "3s"}, wantCases: 7},
		{name: "the flag wins", args: []string{"--generated-cases=9"}, env: map[string]string{"CONFORMANCE_GENERATED_CASES": "7"}, wantCases: 9},
		{name: "both wrong", args: []string{"--generated-cases=-1", "--generated-budget=soon"},
			wantErr: []string{"CONFORMANCE_GENERATED_CASES (--generated-cases)", "CONFORMANCE_GENERATED_BUDGET (--generated-budget)", `"soon"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			s := conformance.RegisterGeneratedFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			g, err := s.Resolve(func(k string) string { return tt.env[k] })
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("want an error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not name %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g.Cases != tt.wantCases {
				t.Errorf("cases %d, want %d", g.Cases, tt.wantCases)
			}
		})
	}
}

func TestBudgetIsSpentAfterItsDuration(t *testing.T) {
	b := conformance.NewBudget(20 * time.Millisecond)
	if reason := b.Spent(); reason != "" {
		t.Fatalf("spent at once: %s", reason)
	}
	time.Sleep(30 * time.Millisecond)
	if reason := b.Spent(); !strings.Contains(reason, "CONFORMANCE_GENERATED_BUDGET") {
		t.Errorf("spent reason %q does not say how to give more time", reason)
	}
}

func TestSummaryCountsPerOperationAndKind(t *testing.T) {
	cases := conformance.Generate(loadSpec(t))
	s := conformance.NewSummary(cases)
	for _, c := range cases {
		switch {
		case c.Kind == conformance.KindMalformedJSON:
			s.Record(c, conformance.Failed)
		case c.Kind == conformance.KindGeneratedBodies:
			s.Record(c, conformance.Skipped)
		default:
			s.Record(c, conformance.Passed)
		}
	}
	var out bytes.Buffer
	if err := s.Write(&out); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	rows := map[string]bool{}
	for _, line := range strings.Split(out.String(), "\n") {
		rows[strings.Join(strings.Fields(line), " ")] = true
	}
	for _, want := range []string{
		"POST /auth/refresh-token negative: malformed JSON 3 0 3 0",
		"POST /auth/refresh-token positive: bodies from a seeded generator 1 0 0 1",
		"(undeclared) /auth/refresh-token undeclared method 5 5 0 0",
		"all 31 27 3 1",
	} {
		if !rows[want] {
			t.Errorf("the summary lacks the row %q", want)
		}
	}
	if s.Failed() != 3 {
		t.Errorf("Failed() = %d, want 3", s.Failed())
	}
}
