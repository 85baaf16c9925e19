package conformance_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/appmaker/refresh-conformance/conformance"
)

// brokenRunReport is the report of a short run against a server that keeps the session
// after a reuse (one failure), with a passing spec, a spec a gateway kept from being
// judged, and a warning for the missing cache headers.
func brokenRunReport(t *testing.T) (*conformance.RunReport, *harness) {
	t.Helper()
	f := newFakeServer()
	f.keepSession = true
	h := serveFake(t, f)
	report := conformance.NewRunReport(h.client.Target(), h.client.Redactor(), "the token command (CONFORMANCE_TOKEN_CMD)")
	var warnings []string
	h.client.OnAdvisory(func(_ *conformance.Exchange, advs []conformance.Advisory) {
		for _, a := range advs {
			warnings = append(warnings, a.String())
		}
	})
	run := func(name string, labels []string, rule string, check func(context.Context) error) conformance.SpecResult {
		h.mu.Lock()
		h.exchanges, warnings = nil, nil
		h.mu.Unlock()
		err := check(t.Context())
		h.mu.Lock()
		defer h.mu.Unlock()
		s := conformance.Result(name, labels, rule, err, h.exchanges, h.client.Redactor())
		s.Warnings = warnings
		return s
	}
	report.Specs = append(report.Specs,
		run("POST /auth/refresh-token with a refresh token that was already used revokes the session", []string{"semantics", "consumes-token"},
			"reuse of a rotated refresh token revokes the whole session [RFC 6749 §10.4; RFC 9700 §4.14.2]",
			func(ctx context.Context) error {
				_, err := conformance.CheckReuseRevokesSession(ctx, h.client, h.login())
				return err
			}),
		run("POST /auth/refresh-token with a valid refresh token answers 201", []string{"consumes-token"},
			"a refresh answers 201 with both tokens [paths./auth/refresh-token.post.responses.201]",
			func(ctx context.Context) error { return check(t, "refresh with a Bearer credential").run(ctx, h) }),
	)
	gw := serve(t, gateway(429, "1", 1<<30, nil), "/api/v1", time.Second, staticPair)
	gw.client.Target().RetryBudget = 0
	err := check(t, "refresh with a Bearer credential").run(t.Context(), gw)
	report.Specs = append(report.Specs, conformance.Result("POST /auth/refresh-token behind a gateway answers 201", []string{"consumes-token"},
		"a refresh answers 201 [paths./auth/refresh-token.post.responses.201]", err, nil, gw.client.Redactor()))
	return report, h
}

func TestTheReportsCountAndNameEveryState(t *testing.T) {
	report, h := brokenRunReport(t)
	if got := report.Total(); got.Passed != 1 || got.Failed != 1 || got.NotJudged != 1 || got.Warnings == 0 {
		t.Fatalf("totals = %+v", got)
	}
	dir := t.TempDir()
	if err := report.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| 1 | 1 | 1 | 0 |", "| consumes-token | 1 | 1 | 1 |", "### Failures", "revokes the session, the newest token too",
		"### Not judged", "CONFORMANCE_RETRY_BUDGET", "### Warnings", "Cache-Control: no-store"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("summary.md does not show %q:\n%s", want, md)
		}
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{string(md), string(html)} {
		if leaks := h.client.Redactor().Leaks(text); len(leaks) > 0 {
			t.Errorf("a report holds the tokens %v", leaks)
		}
	}
	if strings.Contains(string(html), "<script") || strings.Contains(string(html), "http://") && strings.Contains(string(html), "<link") {
		t.Error("the HTML report must be self-contained")
	}
}

// The HTML report, opened in a real headless Chromium, shows the failure, its rule and
// its exchange with the curl line; a revealed-tokens run carries a banner at the top.
func TestTheHTMLReportShowsTheFailureInABrowser(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no Chromium installed: apt-get install chromium (.ci/run installs it)")
	}
	report, _ := brokenRunReport(t)
	report.Warnings = append(report.Warnings, "CONFORMANCE_REVEAL_TOKENS=1: this run's output and reports carry REAL TOKENS in clear; do not share them")
	path := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.WriteHTML(f); err != nil {
		t.Fatal(err)
	}
	f.Close()

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute) // a bound on a stuck browser, not a measurement
	defer cancelTimeout()

	failed := chromedp.CSS(`#failures + section.spec.failed`)
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path), chromedp.WaitVisible(failed)); err != nil {
		t.Fatalf("chromium: open the report: %v", err)
	}
	text := func(sel chromedp.CSS) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("chromium: the text of %s: %v", sel, err)
		}
		return s
	}
	banner, totals, failure := text(`div.danger`), text(`#totals`), text(failed)
	if !strings.Contains(banner, "REAL TOKENS") {
		t.Errorf("the banner reads %q", banner)
	}
	if fields := strings.Fields(totals); len(fields) < 10 || strings.Join(fields[len(fields)-5:len(fields)-2], " ") != "1 1 1" {
		t.Errorf("the totals read %q", totals)
	}
	for _, want := range []string{
		"FAILED", "revokes the session",
		"Rule: reuse of a rotated refresh token revokes the whole session [RFC 6749 §10.4; RFC 9700 §4.14.2]",
		"revokes the session, the newest token too", "201 Created",
		"> POST http://", "< HTTP/1.1 201 Created", "curl -sS -i -X POST",
	} {
		if !strings.Contains(failure, want) {
			t.Errorf("the failure as the browser shows it lacks %q:\n%s", want, failure)
		}
	}
}
