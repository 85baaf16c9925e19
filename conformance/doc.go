// Package conformance judges a server that claims to implement the refresh-token operation
// of the spec: it builds the Target from flags and environment, sends the requests, validates
// every exchange against the document, and holds the checks the suites run. It never imports
// Ginkgo or the mock; it is not a server and makes no tokens of its own beyond test garbage.
package conformance
