// Package suites is the Ginkgo conformance suite of the refresh-token operation: run it
// with `go test ./suites/...` (the embedded mock) or against a server with CONFORMANCE_TARGET.
// It holds no logic of its own: the checks live in package conformance, the specs here only arrange them.
package suites
