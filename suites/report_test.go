package suites

import (
	"fmt"
	"os"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/appmaker/refresh-conformance/conformance"
)

// The reports for people: report.html and summary.md in CONFORMANCE_REPORT_DIR (make
// conformance: reports/). Specs a label filter left out are not listed.
var _ = ReportAfterSuite("report.html and summary.md", func(r Report) {
	if target == nil || target.ReportDir == "" {
		return
	}
	run := conformance.NewRunReport(target, redactor, tokens.Source())
	run.Started, run.Duration = r.StartTime, r.RunTime
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		result := conformance.SpecResult{Name: s.FullText(), Labels: s.Labels(), Message: redactor.Redact(s.Failure.Message)}
		switch {
		case s.State == types.SpecStatePassed:
			result.State = conformance.StatePassed
		case s.State.Is(types.SpecStateFailureStates):
			result.State = conformance.StateFailed
		case s.State == types.SpecStateSkipped && s.Failure.Message == "":
			continue // not selected by the label filter or focus
		case strings.HasPrefix(s.Failure.Message, "not judged"):
			result.State = conformance.StateNotJudged
		default:
			result.State = conformance.StateSkipped
		}
		for _, e := range s.ReportEntries {
			value := redactor.Redact(e.StringRepresentation())
			switch name := e.Name; {
			case name == conformance.EntryRule:
				result.Rule = value
			case name == conformance.EntryOutcome:
				result.Outcomes = append(result.Outcomes, value)
			case name == conformance.EntryWarning:
				result.Warnings = append(result.Warnings, value)
			case strings.HasPrefix(name, conformance.EntryExchange):
				result.Exchanges = append(result.Exchanges, conformance.ExchangeText{
					Summary: redactor.Redact(strings.TrimPrefix(name, conformance.EntryExchange)), Text: value})
			}
		}
		run.Specs = append(run.Specs, result)
	}
	if err := run.WriteFiles(target.ReportDir); err != nil {
		Fail(err.Error())
	}
	fmt.Fprintf(os.Stdout, "\nReports: %s/report.html and %s/summary.md\n", target.ReportDir, target.ReportDir)
})
