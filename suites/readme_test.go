package suites

import (
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/spec"
)

// The README's "Try it against the mock" commands work as written: make keeps the token
// command's $LOGIN_URL for its shell, the command runs where the user stands (its
// @test-user.json is found there, not in suites/), and the run writes its reports. The
// commands run in a temporary directory against a mock started here; only the mock's
// address is swapped in, and make runs this test binary's suite in place of `go tool
// ginkgo`, which would compile the suite again.
func TestTheREADMETokenCommandWorksThroughMake(t *testing.T) {
	if os.Getenv("CONFORMANCE_TARGET") != "" || os.Getenv("CONFORMANCE_REUSE_GRACE") != "" {
		t.Skip("this run judges a server of its own; the README's commands are tried against the mock")
	}
	for _, tool := range []string{"make", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the README's commands need %s: apt-get install %s", tool, tool)
		}
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(repo, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	commands := shBlockAfter(t, string(readme), "### Try it against the mock")

	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	m, err := mock.NewServer(doc)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)

	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	user, reports := filepath.Join(tmp, "user"), filepath.Join(tmp, "reports")
	if err := os.Mkdir(user, 0o755); err != nil {
		t.Fatal(err)
	}
	goShim := filepath.Join(tmp, "go")
	shim := "#!/bin/sh\n# make conformance runs `$(GO) tool ginkgo ...`: run the suite of this test binary instead.\n" +
		"exec \"$SUITE_BIN\" -test.run='^TestConformance$' -ginkgo.label-filter='(consumes-token || sends-token) && !semantics'\n"
	if err := os.WriteFile(goShim, []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}
	script := "make() { command make -s -C \"$REPO\" GO=\"$GO_SHIM\" \"$@\"; }\nset -e\n" +
		strings.ReplaceAll(commands, "http://localhost:5001", srv.URL)
	cmd := exec.CommandContext(t.Context(), "sh", "-c", script)
	cmd.Dir = user
	cmd.Env = append(os.Environ(), "REPO="+repo, "GO_SHIM="+goShim, "SUITE_BIN="+bin, "CONFORMANCE_REPORT_DIR="+reports)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's commands failed: %v\n%s", err, out)
	}
	summary, err := os.ReadFile(filepath.Join(reports, "summary.md"))
	if err != nil {
		t.Fatalf("no summary.md: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`(?m)^\| [1-9][0-9]* \| 0 \| 0 \| 0 \| 0 \|$`).Match(summary) {
		t.Errorf("want every selected spec passed, summary.md says:\n%s", summary)
	}
	if _, err := os.Stat(filepath.Join(reports, "report.html")); err != nil {
		t.Error(err)
	}
	if !strings.Contains(string(out), "Passed") || strings.Contains(string(out), "skipped for lack of tokens") {
		t.Errorf("the run did not get its sessions from the README's token command:\n%s", out)
	}
}

// shBlockAfter is the first ```sh block after heading.
func shBlockAfter(t *testing.T, readme, heading string) string {
	t.Helper()
	_, rest, ok := strings.Cut(readme, heading+"\n")
	if !ok {
		t.Fatalf("the README has no %q", heading)
	}
	_, rest, ok = strings.Cut(rest, "```sh\n")
	if !ok {
		t.Fatalf("no sh block after %q", heading)
	}
	block, _, _ := strings.Cut(rest, "```")
	if !strings.Contains(block, "TOKEN_CMD='") || !strings.Contains(block, "make conformance") {
		t.Fatalf("the block after %q is not the make conformance example:\n%s", heading, block)
	}
	return block
}
