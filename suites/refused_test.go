package suites

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/appmaker/refresh-conformance/conformance"
)

var _ = Describe("POST /auth/refresh-token", func() {
	Context("with a refresh token that no server issued", func() {
		// paths./auth/refresh-token.post.responses.401: a refresh token the server did not issue is refused.
		DescribeTable("answers 401",
			func(ctx SpecContext, token conformance.ForeignToken) {
				rule("a refresh token that no server issued is refused", "paths./auth/refresh-token.post.responses.401")
				shared := probe(ctx)
				pass(conformance.CheckForeignTokenRefused(ctx, client, shared.Credential(), token.Make(shared.Pair.RefreshToken)))
			},
			foreignTokenEntries(),
		)
	})

	Context("with a body the document does not allow", func() {
		// paths./auth/refresh-token.post.requestBody and .responses.400: with a valid access token an invalid body answers 400; without one, 400 or 401.
		DescribeTable("answers 400",
			func(ctx SpecContext, body conformance.InvalidBody) {
				rule("an invalid body is refused with 400 (or 401 without a known-valid credential)", "paths./auth/refresh-token.post.requestBody; .responses.400")
				shared := probe(ctx)
				outcome, err := conformance.CheckInvalidBodyRefused(ctx, client, shared.Credential(), shared.Doubt, body)
				pass(err)
				visibility := ReportEntryVisibilityFailureOrVerbose
				if !shared.Held || shared.Doubt != "" {
					visibility = ReportEntryVisibilityAlways // the report must say which of 400 and 401 came
				}
				AddReportEntry("outcome", outcome, visibility)
			},
			invalidBodyEntries(),
		)
	})
})

func foreignTokenEntries() []TableEntry {
	var entries []TableEntry
	for _, t := range conformance.ForeignTokens() {
		entries = append(entries, Entry(t.Name, Label(Safe), t))
	}
	return entries
}

func invalidBodyEntries() []TableEntry {
	var entries []TableEntry
	for _, b := range conformance.InvalidBodies() {
		entries = append(entries, Entry(b.Name, Label(Safe), b))
	}
	return entries
}
