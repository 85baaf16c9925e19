package suites

import (
	"errors"
	"fmt"
	"os"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/appmaker/refresh-conformance/conformance"
)

// generatedCases are the cases derived from the document at tree construction, which
// runs inside RunSpecs: after TestConformance resolved the settings and loaded the spec.
var generatedCases []conformance.Case

var _ = Describe("Every operation of the document", Label(Generated), func() {
	generatedCases = conformance.Generate(target.Spec)

	// paths.*: a request the document does not allow gets a 4xx the operation declares, one it allows a declared non-5xx, an undeclared method 404 or 405; every answer validated.
	DescribeTable("answers a generated request as the document says",
		func(ctx SpecContext, c conformance.Case) {
			if reason := generated.Budget.Spent(); reason != "" {
				Skip(reason)
			}
			AddReportEntry("expected", fmt.Sprintf("%s; credentials: %s", c.Expectation(), c.Credentials),
				ReportEntryVisibilityFailureOrVerbose)
			rule(c.Expectation(), "paths."+c.Path+" ("+string(c.Kind)+")")
			token := ""
			if shared := probe(ctx); shared.Held {
				token = shared.Pair.AccessToken
			}
			if c.Kind != conformance.KindGeneratedBodies {
				pass(conformance.CheckCase(ctx, client, c, token))
				return
			}
			sent, err := conformance.CheckGeneratedBodies(ctx, client, c, token, generated.Cases, generated.Budget.Deadline())
			if errors.Is(err, conformance.ErrNoValidBody) {
				Skip(err.Error())
			}
			pass(err)
			AddReportEntry("bodies sent", sent, ReportEntryVisibilityFailureOrVerbose)
		},
		generatedEntries(),
	)
})

func generatedEntries() []TableEntry {
	var entries []TableEntry
	for _, c := range generatedCases {
		labels := Labels{}
		if c.Safe() {
			labels = append(labels, Safe)
		}
		entries = append(entries, Entry(c.Name, Label(labels...), c))
	}
	return entries
}

// The summary of the generated checks: cases generated, passed, failed and skipped, per
// operation and per kind. Specs a label filter left out count as generated only.
var _ = ReportAfterSuite("summary of the generated checks", func(r Report) {
	byName := map[string]conformance.Case{}
	for _, c := range generatedCases {
		byName[c.Name] = c
	}
	summary := conformance.NewSummary(generatedCases)
	ran := false
	for _, s := range r.SpecReports {
		c, ok := byName[s.LeafNodeText]
		if !ok || !slices.Contains(s.Labels(), Generated) {
			continue
		}
		switch {
		case s.State == types.SpecStatePassed:
			summary.Record(c, conformance.Passed)
		case s.State.Is(types.SpecStateFailureStates):
			summary.Record(c, conformance.Failed)
		case s.State == types.SpecStateSkipped && s.Failure.Message != "":
			summary.Record(c, conformance.Skipped)
		default:
			continue
		}
		ran = true
	}
	if ran {
		fmt.Fprintf(os.Stdout, "\nGenerated checks from %s:\n", target.Spec.Source())
		_ = summary.Write(os.Stdout)
	}
})
