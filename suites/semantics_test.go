package suites

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"

	"github.com/appmaker/refresh-conformance/conformance"
)

var _ = Describe("POST /auth/refresh-token", Label(Semantics), func() {
	Context("with a valid refresh token", func() {
		// RFC 9700 §4.14.2 (rotation), RFC 6749 §6: the answer carries a new refresh token, and the new pair works.
		It("answers a new refresh token, and the new pair refreshes again", Label(ConsumesToken), func(ctx SpecContext) {
			rule("a refresh answers a new refresh token, and the new pair refreshes again", "RFC 9700 §4.14.2; RFC 6749 §6")
			pass(conformance.CheckRotation(ctx, client, fresh(ctx)))
		})
	})

	Context("with a refresh token that was already used", func() {
		// RFC 9700 §4.14.2: a rotated refresh token is spent; presented again at once it answers 401, or exactly the pair its rotation answered within a grace window.
		It("answers 401, or the same pair again within a grace window", Label(ConsumesToken), func(ctx SpecContext) {
			rule("a used refresh token is refused, or answered exactly the same pair within a grace window", "RFC 9700 §4.14.2; RFC 6749 §10.4")
			outcome, err := conformance.CheckUsedTokenRefused(ctx, client, fresh(ctx))
			pass(err)
			outcomeEntry(outcome)
		})

		// RFC 6749 §10.4, RFC 9700 §4.14.2: reuse of a rotated token means it leaked, so the whole session is revoked.
		It("revokes the session, so the newest refresh token is refused too", Label(ConsumesToken), func(ctx SpecContext) {
			rule("reuse of a rotated refresh token revokes the whole session", "RFC 6749 §10.4; RFC 9700 §4.14.2")
			outcome, err := conformance.CheckReuseRevokesSession(ctx, client, fresh(ctx))
			pass(err)
			outcomeEntry(outcome)
		})

		// RFC 6749 §10.4, RFC 9700 §4.14.2: a token two or more generations old is outside any grace window: 401, and the session is revoked.
		DescribeTable("revokes the session when a token generations old comes back",
			func(ctx SpecContext, back int) {
				rule(fmt.Sprintf("a refresh token %d generations old is refused and revokes the whole session", back), "RFC 6749 §10.4; RFC 9700 §4.14.2")
				pass(conformance.CheckOldGenerationReuse(ctx, client, fresh(ctx), back))
			},
			Entry("two generations old", Label(ConsumesToken), 2),
			Entry("three generations old", Label(ConsumesToken), 3),
		)

		// RFC 6749 §10.4 with CONFORMANCE_REUSE_GRACE: past the server's declared grace window, a replay of the previous token is reuse.
		It("treats a replay after the declared grace window as reuse", Label(ConsumesToken, WaitsGrace), func(ctx SpecContext) {
			rule("a replay after the declared grace window is refused and revokes the whole session", "RFC 6749 §10.4; CONFORMANCE_REUSE_GRACE")
			if target.ReuseGrace == 0 {
				Skip("CONFORMANCE_REUSE_GRACE (--reuse-grace) is not set: declare the server's grace window to judge a replay after it")
			}
			pass(conformance.CheckReplayAfterGrace(ctx, client, fresh(ctx), target.ReuseGrace))
		})
	})

	Context("with one refresh token sent several times at once", func() {
		// RFC 9700 §4.14.2, RFC 6749 §10.4: racing refreshes of one token get at most one distinct new pair, and afterwards only that pair's token works.
		It("answers at most one new pair, and only that pair's refresh token works afterwards", Label(ConsumesToken), func(ctx SpecContext) {
			rule(fmt.Sprintf("%d refreshes of one token at once (CONFORMANCE_RACE) get at most one distinct new pair", target.Race), "RFC 9700 §4.14.2; RFC 6749 §10.4")
			outcome, err := conformance.CheckRace(ctx, client, fresh(ctx), target.Race)
			pass(err)
			outcomeEntry(outcome)
		})
	})
})
