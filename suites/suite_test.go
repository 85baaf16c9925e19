package suites

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/appmaker/refresh-conformance/conformance"
	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/spec"
)

// The suite's state: flags are registered in init, resolved in TestConformance, and the
// rest is built in BeforeSuite. Specs read it only while they run.
var (
	settings    *conformance.Settings
	genSettings *conformance.GeneratedSettings
	target      *conformance.Target
	generated   *conformance.Generated
	redactor    *conformance.Redactor
	tokens      *conformance.Tokens
	client      *conformance.Client
)

func init() {
	settings = conformance.RegisterFlags(flag.CommandLine)
	genSettings = conformance.RegisterGeneratedFlags(flag.CommandLine)
}

func TestConformance(t *testing.T) {
	var err error
	if target, err = settings.Resolve(os.Getenv); err != nil {
		t.Fatal(err)
	}
	if generated, err = genSettings.Resolve(os.Getenv); err != nil {
		t.Fatal(err)
	}
	redactor = conformance.NewRedactor()
	RegisterFailHandler(Fail)
	RunSpecs(t, "Refresh-token conformance")
}

var _ = BeforeSuite(func() {
	var mint conformance.MintFunc
	if target.Embedded() {
		// A declared grace window is the embedded mock's own: CONFORMANCE_REUSE_GRACE=2s
		// judges `appmaker-mock --reuse-grace 2s`.
		srv, err := mock.NewServer(target.Spec, mock.WithReuseGrace(target.ReuseGrace))
		Expect(err).NotTo(HaveOccurred(), "start the embedded mock")
		ts := httptest.NewServer(srv)
		DeferCleanup(ts.Close)
		target.BaseURL = ts.URL + srv.BasePath()
		mint = func(ctx context.Context) (spec.TokenPair, error) {
			s, err := srv.NewSession(ctx, mock.NewSessionRequest{})
			return spec.TokenPair{AccessToken: s.AccessToken, RefreshToken: s.RefreshToken}, err
		}
	}
	tokens = conformance.NewTokens(target, mint, redactor)
	if p := GinkgoParallelProcess(); p != 1 {
		tokens.ReserveStatic(fmt.Sprintf("it belongs to parallel process 1, this is process %d", p))
	}
	client = conformance.NewClient(target, redactor, attach)
	client.OnAdvisory(warn)
	for _, w := range conformance.Warnings(target) {
		fmt.Fprintf(os.Stderr, "\n*** %s ***\n", w) // loud: not only in the verbose log
	}
	GinkgoWriter.Printf("target %s, judged against %s, sessions from %s, timeout %s, reuse grace %s\n",
		redactor.Redact(target.BaseURL), target.Spec.Source(), tokens.Source(), target.Timeout, graceText(target))
})

func graceText(t *conformance.Target) string {
	if t.ReuseGrace == 0 {
		return "not declared"
	}
	return t.ReuseGrace.String()
}

// The report must not carry a token: every one the suite saw is checked for in the whole
// report (entries, failures, captured output) after the specs ran.
var _ = ReportAfterSuite("no token value appears in the report", func(r Report) {
	if target.RevealTokens {
		return // CONFORMANCE_REVEAL_TOKENS=1 asked for them, and the report says so at its top
	}
	data, err := json.Marshal(r)
	Expect(err).NotTo(HaveOccurred())
	if leaks := redactor.Leaks(string(data)); len(leaks) > 0 {
		Fail(fmt.Sprintf("the report holds the values of %s: a token escaped redaction", strings.Join(leaks, ", ")))
	}
	skipped := 0
	for _, s := range r.SpecReports {
		if s.State == types.SpecStateSkipped && strings.Contains(s.Failure.Message, conformance.HowToSupplyTokens) {
			skipped++
		}
	}
	if skipped > 0 {
		fmt.Fprintf(os.Stdout, "\n%d spec(s) skipped for lack of tokens: %s\n", skipped, conformance.HowToSupplyTokens)
	}
})

// attach puts an exchange on the running spec's report: shown on failure and with -v.
func attach(ex *conformance.Exchange) {
	AddReportEntry(conformance.EntryExchange+ex.Summary(redactor), ex.Format(redactor), ReportEntryVisibilityFailureOrVerbose)
}

// warn puts an answer's advisories on the running spec's report, always shown.
func warn(ex *conformance.Exchange, advisories []conformance.Advisory) {
	for _, a := range advisories {
		AddReportEntry(conformance.EntryWarning, redactor.Redact(a.String()+" (in "+ex.Summary(redactor)+")"), ReportEntryVisibilityAlways)
	}
}

// rule names what the running spec judges and where that is written, for the reports.
func rule(text, source string) {
	AddReportEntry(conformance.EntryRule, text+" ["+source+"]", ReportEntryVisibilityNever)
}

// outcomeEntry says which of the accepted answers came (e.g. a grace-window replay).
func outcomeEntry(outcome string) {
	AddReportEntry(conformance.EntryOutcome, outcome, ReportEntryVisibilityAlways)
}

// pass fails the spec with the check's one line. A failure is never handed to Gomega,
// whose message would print its fields, the exchange and its tokens among them. A spec a
// gateway kept from being judged is skipped with the reason, as not judged.
func pass(err error) {
	GinkgoHelper()
	var notJudged *conformance.NotJudged
	if errors.As(err, &notJudged) {
		Skip(redactor.Redact(notJudged.Error()))
	}
	if err != nil {
		Fail(redactor.Redact(err.Error()))
	}
}

// unspent returns the session that specs send only where it must be refused, or skips.
func unspent(ctx context.Context) spec.TokenPair {
	GinkgoHelper()
	pair, err := tokens.Unspent(ctx, CurrentSpecReport().FullText())
	var none *conformance.NoTokensError
	if errors.As(err, &none) {
		Skip(none.Error())
	}
	pass(err)
	return pair
}

// fresh returns a session of the running spec's own, to use up, or skips the spec when
// none can be had.
func fresh(ctx context.Context) spec.TokenPair {
	GinkgoHelper()
	pair, err := tokens.Fresh(ctx, CurrentSpecReport().FullText())
	var none *conformance.NoTokensError
	if errors.As(err, &none) {
		Skip(none.Error())
	}
	pass(err)
	return pair
}

// probe returns the shared session of the specs that use up no refresh token: its
// credential (none when no tokens were given) and its refresh token, which only lends
// its shape and is never sent intact.
func probe(ctx context.Context) conformance.SharedSession {
	GinkgoHelper()
	shared, err := tokens.Shared(ctx)
	pass(err)
	return shared
}
