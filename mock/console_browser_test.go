package mock_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/appmaker/refresh-conformance/internal/redact"
	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/mock/token"
)

// consoleWait bounds each wait for the console to show something. It is a deadline, not a
// pace: each wait ends as soon as the page shows what it waits for.
const consoleWait = 20 * time.Second

// browser is a headless Chromium with one tab, and what its console logged.
type browser struct {
	t         *testing.T
	ctx       context.Context
	artifacts string
	mu        sync.Mutex
	logged    []chromedp.ConsoleMessage
}

// newBrowser starts Debian's chromium with the flags this machine needs (root, no
// network) and a fresh profile, or skips the test when there is none.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" && os.Getenv("CI") == "true" {
		t.Fatal("no Chromium on PATH: CI must install it (.ci/run: apt-get install -y chromium)")
	}
	if path == "" {
		t.Skip("the console test needs Chromium on PATH: sudo apt-get install -y chromium (Debian, Ubuntu), or brew install --cask chromium (macOS)")
	}
	profile := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // root on CI and on these machines
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1400, 1000),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc() // waits for the browser to exit, before the profile is removed
	})
	// The first action starts the browser; no timeout on it, or the timeout would stop the browser.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium (%s): %v", path, err)
	}
	b := &browser{t: t, ctx: ctx, artifacts: artifactsDir(t)}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.logged = append(b.logged, m)
			b.mu.Unlock()
		}
	}()
	return b
}

// artifactsDir is where screenshots go: $APPMAKER_TEST_ARTIFACTS when set (CI keeps it),
// else a temporary directory removed after the test. Never the source tree.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("APPMAKER_TEST_ARTIFACTS")
	if dir == "" {
		t.Log("screenshots go to a temporary directory; set APPMAKER_TEST_ARTIFACTS=<dir> to keep them")
		return t.TempDir()
	}
	dir = filepath.Join(dir, t.Name())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, consoleWait)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.screenshot("failed")
		b.t.Fatalf("%s: %v", what, err)
	}
}

// waitFor waits until the JavaScript predicate is truthy: what the page shows, read from
// its DOM.
func (b *browser) waitFor(what, predicate string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, consoleWait+5*time.Second)
	defer cancel()
	deadline := time.Now().Add(consoleWait)
	var err error
	for {
		_, err = chromedp.Run(ctx, chromedp.Poll[chromedp.Void](predicate,
			chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(time.Until(deadline))))
		// Chromium replaces a page's JavaScript context as a navigation completes; a poll
		// started in the old one fails with this CDP error (seen on a loaded machine just
		// after Navigate) and is simply started again in the new one.
		if err == nil || !strings.Contains(err.Error(), "Cannot find context with specified id") || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		b.screenshot("failed")
		state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`))
		b.t.Fatalf("the console did not show %s within %s: %v\npage text:\n%s", what, consoleWait, err, state)
	}
}

func (b *browser) eval(expr string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, consoleWait)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func (b *browser) screenshot(name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, consoleWait)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	path := filepath.Join(b.artifacts, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", path)
	return path
}

// problems are the exceptions and Content-Security-Policy refusals the page's console logged.
func (b *browser) problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.logged {
		if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
			out = append(out, m.String())
		}
	}
	return out
}

// js quotes s as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// row is the selector of a session's row in the console.
func row(id string) string { return `#sessions tr[data-session-id=` + js(id) + `]` }

const consoleAdminToken = "console-admin-secret"

// adminCall calls the control plane with the admin token.
func (h *harness) adminCall(method, path, body string) answer {
	h.t.Helper()
	return h.call(method, path, body, "Authorization", "Bearer "+consoleAdminToken)
}

func (h *harness) adminSession(body string) mock.SessionTokens {
	h.t.Helper()
	a := h.adminCall(http.MethodPost, "/__mock/sessions", body)
	if a.status != http.StatusCreated {
		h.t.Fatalf("POST /__mock/sessions = %d %s", a.status, a.body)
	}
	return decode[mock.SessionTokens](h.t, a)
}

// The console, in a real Chromium, follows a session live: its generations as the app
// refreshes, the reuse when an old token comes back and the revocation it causes; and its
// buttons act on the mock.
func TestConsoleShowsASessionLiveInChromium(t *testing.T) {
	h := newHarness(t, mock.WithAdminToken(consoleAdminToken))
	b := newBrowser(t)

	// The page holds no data, so it loads without the token, then asks for it.
	b.do("open the console", chromedp.Navigate(h.url+"/__mock/ui/"))
	b.waitFor("the admin token form", `!document.querySelector('#token-panel').hidden && document.querySelector('#console').hidden`)
	b.do("enter the admin token",
		chromedp.SendKeys(chromedp.CSS("#token-input"), consoleAdminToken),
		chromedp.Click(chromedp.CSS(`#token-form button[type=submit]`)))
	b.waitFor("the live event stream", `document.querySelector('#live').textContent === 'live'`)

	// A session whose sub and org are markup: they must show as text.
	const sub, org = `<img src=x id=injected onerror="window.injected=1">`, `<b>org</b>`
	s := h.adminSession(`{"sub":` + js(sub) + `,"org":` + js(org) + `}`)
	p1 := h.refresh(s.AccessToken, s.RefreshToken).pair(t)
	b.waitFor("generation 2", `document.querySelector(`+js(row(s.SessionID)+" .gen")+`)?.textContent === '2'`)
	p2 := h.refresh(p1.AccessToken, p1.RefreshToken).pair(t)
	b.waitFor("generation 3", `document.querySelector(`+js(row(s.SessionID)+" .gen")+`)?.textContent === '3'`)

	// The chain shows each generation by its fingerprint, in order, and no token.
	chain := b.eval(`[...document.querySelectorAll(` + js(row(s.SessionID)+" .chain li") + `)].map(li => li.textContent).join(' | ')`)
	want := fmt.Sprintf("g1 %s | g2 %s | g3 %s", token.HashOf(s.RefreshToken).Fingerprint(),
		token.HashOf(p1.RefreshToken).Fingerprint(), token.HashOf(p2.RefreshToken).Fingerprint())
	if chain != want {
		t.Errorf("generation chain = %q, want %q", chain, want)
	}
	if got := b.eval(`document.querySelector(` + js(row(s.SessionID)+" .sub-name") + `).textContent`); got != sub {
		t.Errorf("sub shown as %q, want the text %q", got, sub)
	}
	if b.eval(`String(!!document.querySelector('#injected') || !!window.injected || !!document.querySelector('#sessions b'))`) != "false" {
		t.Error("a client-set string was rendered as markup")
	}

	// The app's old token comes back: reuse, and the session is revoked, live.
	wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 401, mock.CodeRefreshTokenReused)
	b.waitFor("the revocation", `document.querySelector(`+js(row(s.SessionID))+`)?.dataset.state === 'revoked' &&
		document.querySelector(`+js(row(s.SessionID))+`).textContent.includes('refresh_token_reused')`)
	b.waitFor("the reuse in the event journal", `[...document.querySelectorAll('#events tr')].some(tr =>
		tr.dataset.sessionId === `+js(s.SessionID)+` && tr.querySelector('.code')?.textContent === 'refresh_token_reused')`)
	wantStatus(t, h.refresh(p2.AccessToken, p2.RefreshToken), 401, mock.CodeSessionRevoked)
	b.screenshot("reuse")

	// Expire, clicked in the console: the next refresh is refused.
	e := h.adminSession(`{"sub":"user-expire"}`)
	pe := h.refresh(e.AccessToken, e.RefreshToken).pair(t)
	b.waitFor("the second session", `document.querySelector(`+js(row(e.SessionID)+" .gen")+`)?.textContent === '2'`)
	b.do("click expire refresh", chromedp.Click(chromedp.CSS(row(e.SessionID)+` button[data-action="expire-refresh"]`)))
	b.waitFor("the expiry", `document.querySelector(`+js(row(e.SessionID))+`)?.dataset.state === 'expired'`)
	wantStatus(t, h.refresh(pe.AccessToken, pe.RefreshToken), 401, mock.CodeRefreshTokenExpired)
	b.waitFor("the refused refresh in the journal", `[...document.querySelectorAll('#events tr')].some(tr =>
		tr.dataset.sessionId === `+js(e.SessionID)+` && tr.querySelector('.code')?.textContent === 'refresh_token_expired')`)

	// "Replay previous token", clicked: the server replays the rotated token; reuse revokes.
	r := h.adminSession(`{"sub":"user-replay"}`)
	pr := h.refresh(r.AccessToken, r.RefreshToken).pair(t)
	b.waitFor("the third session", `document.querySelector(`+js(row(r.SessionID)+" .gen")+`)?.textContent === '2'`)
	b.do("click replay", chromedp.Click(chromedp.CSS(row(r.SessionID)+` button[data-action="replay"]`)))
	b.waitFor("the replay's revocation", `document.querySelector(`+js(row(r.SessionID))+`)?.dataset.state === 'revoked'`)
	wantStatus(t, h.refresh(pr.AccessToken, pr.RefreshToken), 401, mock.CodeSessionRevoked)

	// The clock, the session clock and the fault rules from the console.
	b.do("advance the mock's clock",
		chromedp.SetValue(chromedp.CSS("#advance"), "1h"), chromedp.Click(chromedp.CSS("#clock-advance")))
	b.waitFor("the clock's offset", `document.querySelector('#clock-offset').textContent === '1h0m0s'`)
	b.do("reset the clock", chromedp.Click(chromedp.CSS("#clock-reset")))
	b.waitFor("the clock back", `document.querySelector('#clock-offset').textContent === '0s'`)
	w := h.adminSession(`{"sub":"user-worker-2"}`)
	h.refresh(w.AccessToken, w.RefreshToken).pair(t)
	b.waitFor("the fourth session", `!!document.querySelector(`+js(row(w.SessionID))+`)`)
	b.do("advance one session's clock",
		chromedp.SetValue(chromedp.CSS("#advance"), "8d"), chromedp.Click(chromedp.CSS(row(w.SessionID)+` button[data-action="advance-clock"]`)))
	b.waitFor("the session's clock", `document.querySelector(`+js(row(w.SessionID)+" .clock")+`).textContent === '+192h0m0s' &&
		document.querySelector(`+js(row(w.SessionID))+`).dataset.state === 'expired'`)
	b.do("add a fault rule",
		chromedp.SetValue(chromedp.CSS("#fault-operation"), "refreshToken"),
		chromedp.SetValue(chromedp.CSS("#fault-sub"), "user-42"),
		chromedp.SetValue(chromedp.CSS("#fault-status"), "503"),
		chromedp.SetValue(chromedp.CSS("#fault-retry"), "30s"),
		chromedp.Click(chromedp.CSS("#fault-outside")),
		chromedp.Click(chromedp.CSS(`#fault-form button[type=submit]`)))
	b.waitFor("the fault rule", `[...document.querySelectorAll('#faults li')].some(li => li.textContent.includes('status=503') && li.textContent.includes('sub=user-42'))`)
	if rules := h.adminCall(http.MethodGet, "/__mock/faults", ""); !strings.Contains(string(rules.body), `"outsideDocument":true`) {
		t.Errorf("the rule added in the console is not the mock's: %s", rules.body)
	}
	b.waitFor("the page settled", `document.querySelector('#message').textContent === ''`)
	b.screenshot("console")

	// No token anywhere in the page: only fingerprints.
	page := b.eval(`document.documentElement.outerHTML`)
	for _, tok := range []string{s.AccessToken, s.RefreshToken, p1.RefreshToken, p2.RefreshToken, pe.RefreshToken, pr.RefreshToken, consoleAdminToken} {
		if strings.Contains(page, tok) {
			t.Error("the page shows a token")
		}
	}
	if redact.JWTs(page) != page {
		t.Error("the page holds something shaped like a JWT")
	}
	if p := b.problems(); len(p) > 0 {
		t.Errorf("the page's console logged problems:\n%s", strings.Join(p, "\n"))
	}
}
