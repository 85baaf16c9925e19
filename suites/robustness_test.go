package suites

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/appmaker/refresh-conformance/conformance"
)

// Every exchange of every spec is already checked centrally for a 5xx and for the
// timeout; these requests are built to provoke either.
var _ = Describe("POST /auth/refresh-token", func() {
	Context("with a request built to trip the parser", func() {
		// paths./auth/refresh-token.post.responses: no answer is a 5xx and none comes after the timeout; hostile input is refused.
		DescribeTable("answers 400 or 401 within the timeout",
			func(ctx SpecContext, input conformance.HostileInput) {
				rule("a request built to trip the parser is refused with 400 or 401, within the timeout, never a 5xx", "paths./auth/refresh-token.post.responses")
				pass(conformance.CheckHostileInputRefused(ctx, client, probe(ctx).Credential(), input))
			},
			hostileInputEntries(),
		)
	})
})

func hostileInputEntries() []TableEntry {
	var entries []TableEntry
	for _, in := range conformance.HostileInputs() {
		entries = append(entries, Entry(in.Name, Label(Safe), in))
	}
	return entries
}
