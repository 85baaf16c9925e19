package conformance

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes a short summary fit for a CI job summary: the warnings at the top,
// the totals, the totals by label, then one line per failure, spec not judged and warning.
func (r *RunReport) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	for _, warning := range r.Warnings {
		fmt.Fprintf(&b, "> **WARNING: %s**\n\n", warning)
	}
	fmt.Fprintf(&b, "## Refresh-token conformance: %s\n\n", mdCell(r.Target))
	t := r.Total()
	fmt.Fprintf(&b, "| Passed | Failed | Not judged | Skipped | Warnings |\n|---:|---:|---:|---:|---:|\n| %d | %d | %d | %d | %d |\n\n",
		t.Passed, t.Failed, t.NotJudged, t.Skipped, t.Warnings)
	b.WriteString("| Label | Passed | Failed | Not judged | Skipped | Warnings |\n|---|---:|---:|---:|---:|---:|\n")
	for _, l := range r.ByLabel() {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d |\n", mdCell(l.Label), l.Passed, l.Failed, l.NotJudged, l.Skipped, l.Warnings)
	}
	for _, section := range []struct {
		title string
		specs []SpecResult
		line  func(SpecResult) []string
	}{
		{"Failures", r.In(StateFailed), func(s SpecResult) []string { return []string{s.Message} }},
		{"Not judged", r.In(StateNotJudged), func(s SpecResult) []string { return []string{s.Message} }},
		{"Warnings", r.Warned(), func(s SpecResult) []string { return s.Warnings }},
	} {
		if len(section.specs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n### %s\n\n", section.title)
		for _, s := range section.specs {
			for _, line := range section.line(s) {
				fmt.Fprintf(&b, "- **%s**: %s\n", mdCell(s.Name), mdCell(line))
			}
		}
	}
	b.WriteString("\nThe full report, with every exchange of each failure and its curl line, is report.html.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// mdCell keeps a value on one line and out of Markdown's table syntax.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}
