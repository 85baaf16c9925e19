package conformance

import (
	_ "embed"
	"html/template"
	"io"
	"strings"
)

//go:embed report.html.tmpl
var reportHTML string

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"join":  strings.Join,
	"class": func(s State) string { return strings.ReplaceAll(string(s), " ", "-") },
}).Parse(reportHTML))

// WriteHTML writes the report as one self-contained HTML page: no script, no request
// for anything, so it opens from a file without a network.
func (r *RunReport) WriteHTML(w io.Writer) error {
	return reportTemplate.Execute(w, r)
}
