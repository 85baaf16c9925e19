package suites

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/appmaker/refresh-conformance/conformance"
)

var _ = Describe("POST /auth/refresh-token", func() {
	Context("with a valid refresh token and its access token", func() {
		// paths./auth/refresh-token.post.responses.201 and securitySchemes (bearerFormat: JWT): a refresh answers 201, both tokens non-empty strings, the access token a signed JWT.
		DescribeTable("answers 201 with both tokens, the access token a signed JWT",
			func(ctx SpecContext, present func(string) conformance.Credential) {
				rule("a refresh answers 201 with both tokens, the access token a signed JWT", "paths./auth/refresh-token.post.responses.201; components.securitySchemes.bearerAuth.bearerFormat")
				pair := fresh(ctx)
				_, err := conformance.CheckRefresh(ctx, client, present(pair.AccessToken), pair.RefreshToken)
				pass(err)
			},
			Entry("presented as Authorization: Bearer", Label(ConsumesToken), conformance.Bearer),
			Entry("presented as x-access-token", Label(ConsumesToken), conformance.AccessTokenHeader),
		)
	})

	Context("with a valid refresh token but no credentials", func() {
		// security (bearerAuth or accessToken) and paths./auth/refresh-token.post.responses.401: no credentials, no refresh.
		It("answers 401", Label(ConsumesToken), func(ctx SpecContext) {
			rule("a request without credentials is refused", "security (bearerAuth or accessToken); paths./auth/refresh-token.post.responses.401")
			pass(conformance.CheckCredentialsRequired(ctx, client, fresh(ctx)))
		})
	})
})
