package suites

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/appmaker/refresh-conformance/conformance"
)

var _ = Describe("POST /auth/refresh-token", func() {
	Context("with a credential no server issued and a valid refresh token", func() {
		// security (bearerAuth, accessToken) and paths./auth/refresh-token.post.responses.401: a forged access token is refused in either scheme.
		DescribeTable("answers 401",
			func(ctx SpecContext, f conformance.ForgedCredential) {
				rule("a credential no server issued is refused", "security (bearerAuth or accessToken); paths./auth/refresh-token.post.responses.401")
				pair := unspent(ctx)
				spent, err := conformance.CheckForgedCredentialRefused(ctx, client, pair, f)
				if spent {
					tokens.Spent(pair)
				}
				pass(err)
			},
			forgedCredentialEntries(),
		)
	})

	Context("with the pair's tokens in each other's place", func() {
		// paths./auth/refresh-token.post.responses.401: an access token is not a refresh token.
		It("answers 401 to the access token as the refreshToken", Label(Safe), func(ctx SpecContext) {
			rule("an access token presented as the refreshToken is refused", "paths./auth/refresh-token.post.responses.401")
			shared := probe(ctx)
			if !shared.Held {
				Skip("no access token was supplied; " + conformance.HowToSupplyTokens)
			}
			pass(conformance.CheckAccessTokenAsRefreshRefused(ctx, client, shared.Pair))
		})

		// security (bearerAuth, accessToken): a refresh token is not an access token.
		DescribeTable("answers 401 to the refresh token as the credential",
			func(ctx SpecContext, present func(string) conformance.Credential) {
				rule("a refresh token presented as the credential is refused", "security (bearerAuth or accessToken); paths./auth/refresh-token.post.responses.401")
				pair := unspent(ctx)
				spent, err := conformance.CheckRefreshTokenAsCredentialRefused(ctx, client, pair, present)
				if spent {
					tokens.Spent(pair)
				}
				pass(err)
			},
			Entry("as Authorization: Bearer", Label(SendsToken), conformance.Bearer),
			Entry("as x-access-token", Label(SendsToken), conformance.AccessTokenHeader),
		)
	})
})

func forgedCredentialEntries() []TableEntry {
	var entries []TableEntry
	for _, f := range conformance.ForgedCredentials() {
		entries = append(entries, Entry(f.Name, Label(SendsToken), f))
	}
	return entries
}
