// Package conformance judges a server that claims to implement the refresh-token operation
// of the spec: it builds the Target from flags and environment, sends the requests, validates
// every exchange against the document, holds the checks the suites run and writes the reports
// for people (report.html, summary.md). It never imports Ginkgo or the mock; it is not a server,
// and the only tokens it makes are test garbage and internal/forged's forgeries.
package conformance
