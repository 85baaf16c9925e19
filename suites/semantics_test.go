package suites

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/appmaker/refresh-conformance/conformance"
)

var _ = Describe("POST /auth/refresh-token", Label(Semantics), func() {
	Context("with a valid refresh token", func() {
		// RFC 9700 §4.14.2 (rotation), RFC 6749 §6: the answer carries a new refresh token, and the new pair works.
		It("answers a new refresh token, and the new pair refreshes again", Label(ConsumesToken), func(ctx SpecContext) {
			pass(conformance.CheckRotation(ctx, client, fresh(ctx)))
		})
	})

	Context("with a refresh token that was already used", func() {
		// RFC 9700 §4.14.2: a rotated refresh token is spent; presenting it again answers 401.
		It("answers 401", Label(ConsumesToken), func(ctx SpecContext) {
			pass(conformance.CheckUsedTokenRefused(ctx, client, fresh(ctx)))
		})

		// RFC 6749 §10.4, RFC 9700 §4.14.2: reuse of a rotated token means it leaked, so the whole session is revoked.
		It("revokes the session, so the newest refresh token is refused too", Label(ConsumesToken), func(ctx SpecContext) {
			pass(conformance.CheckReuseRevokesSession(ctx, client, fresh(ctx)))
		})
	})
})
