//go:build unix

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appmaker/refresh-conformance/internal/redact"
)

// TestREADMEBlocks runs the README's ```sh blocks and checks what they print against
// what the README shows. `make readme` runs it with the other TestREADME tests.
//
// How a block is run is said by its first line, when that is a comment in square brackets
// (the README says so near its top):
//
//   - No tag: the block runs, in one bash that reads every such block in README order, as a
//     reader types them into one terminal (so the shell helpers defined once serve every
//     later block), against this command's binary, built once by buildMock (with -race when
//     the tests run with it: after `go test -race ./...` compiled the package, that is a
//     link, not a second compile of libopenapi), or the binary APPMAKER_README_MOCK_BIN
//     names (a release binary of make dist).
//   - "# [against a freshly started mock]": the mock is restarted first.
//   - "# [against a mock started with FLAGS]": restarted with FLAGS for that block; the
//     next block without a tag gets a default one again.
//   - "# [runs until stopped]": the block starts a server; it is not run. Where it is
//     `make mock`, `go run ./cmd/appmaker-mock [FLAGS]` or `go run ./cmd/appmaker-mock proxy
//     FLAGS`, the test starts the built binary with those flags in its place. The block
//     is checked like a [needs ...] one.
//   - "# [needs ...]" (a real server, Docker, minutes): not run; bash -n checks it, and each
//     make command in it is expanded with make -n in the repository.
//
// The servers listen on free loopback ports, not the README's: in the blocks run,
// "localhost:5001" is rewritten to the mock's address, "localhost:5002" to the proxy's, and
// "/tmp/" to a directory of the test's own, so that a `make mock` of the machine's user and
// parallel runs are left alone. A restarted mock keeps its address.
//
// What a command prints is the comment lines right under it (from the line's first
// character), compared with its whole output, stdout and stderr interleaved as on a
// terminal: "#" and one space are taken off; two spaces start a note, which is not
// compared; "…" (and the blanks around it) stands for any text, line breaks included;
// trailing blanks, carriage returns and empty lines at either end do not count. Output of a
// background job counts for the command running when it appeared. A command with nothing
// shown must exit 0. A mismatch names the README line of the shown output, a failed command
// its own line; tokens in the output are redacted.
//
// The README tests live in this package because make test builds its test binary anyway:
// they compile nothing of their own, read the flag sets in the process (parseFlags,
// parseProxyFlags, conformance.RegisterFlags), and the one binary they run is a link.
func TestREADMEBlocks(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq", "make"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the README's blocks need %s: sudo apt-get install %s", tool, tool)
		}
	}
	if v := curlVersion(t); v[0] < 7 || v[0] == 7 && v[1] < 84 {
		t.Skipf("the README's blocks need curl 7.84 or newer (%%header{}), this is %d.%d: install a newer curl", v[0], v[1])
	}
	r := loadREADME(t)
	blocks := r.shBlocks(t)
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := os.Getenv(readmeBinEnv)
	if bin == "" {
		bin = buildMock(t)
	} else if bin, err = filepath.Abs(bin); err != nil {
		t.Fatal(err)
	} else {
		t.Logf("the blocks run against %s (%s)", bin, readmeBinEnv)
	}
	srv := &readmeServers{t: t, bin: bin}
	sh := startShell(t, dir)
	for _, b := range blocks {
		switch {
		case strings.HasPrefix(b.tag, tagNeeds):
			r.checkNotRun(t, b, repo)
			continue
		case b.tag == tagServer:
			r.checkNotRun(t, b, repo)
			r.startServer(t, b, srv)
			continue
		case b.tag == tagFreshMock:
			srv.restartMock(nil, false)
		case strings.HasPrefix(b.tag, tagMockFlags):
			srv.restartMock(strings.Fields(strings.TrimPrefix(b.tag, tagMockFlags)), true)
		case b.tag != "":
			t.Errorf("%s: unknown tag [%s]; a block's first line may be # [needs ...], # [%s], # [%s] or # [%sFLAGS]",
				r.where(b.tagLine), b.tag, tagServer, tagFreshMock, tagMockFlags)
			continue
		case srv.mock == nil || srv.forTag:
			srv.restartMock(nil, false)
		}
		rewrite := func(s string) string {
			if strings.Contains(s, "localhost:5002") && srv.proxyAddr == "" {
				t.Errorf("%s: the block talks to localhost:5002 before a block starts the proxy", r.where(b.fence))
			}
			return strings.NewReplacer("localhost:5001", srv.mockAddr, "localhost:5002", srv.proxyAddr, "/tmp/", dir+"/").Replace(s)
		}
		runs := sh.run(t, b.fence, b.cmds, rewrite)
		for _, c := range b.cmds {
			r.checkRun(t, c, runs[c.line])
		}
	}
}

// checkRun compares what a command printed with what the README shows under it.
func (r *readme) checkRun(t *testing.T, c shCommand, run *commandRun) {
	t.Helper()
	if run == nil || run.status == "" {
		out := ""
		if run != nil {
			out = run.output
		}
		t.Fatalf("%s: `%s` did not finish within %s (or the shell ended); it printed:\n%s",
			r.where(c.line), firstLine(c.text), patience, indent(redact.JWTs(normalOutput(out))))
	}
	got := normalOutput(run.output)
	if len(c.shown) == 0 {
		if run.status != "0" {
			t.Errorf("%s: `%s` exited with status %s; it printed:\n%s", r.where(c.line), firstLine(c.text), run.status, indent(redact.JWTs(got)))
		}
		return
	}
	if shownPattern(c.shown).MatchString(got) {
		return
	}
	want := make([]string, len(c.shown))
	for i, s := range c.shown {
		want[i] = s.text
	}
	t.Errorf("%s: `%s` (line %d) printed\n%s\nwhere the README shows\n%s",
		r.where(c.shown[0].line), firstLine(c.text), c.line, indent(redact.JWTs(got)), indent(strings.Join(want, "\n")))
}

// checkNotRun checks a block that is not run: bash parses it (splitting it into commands
// did), and make -n expands each make command in it, in the repository.
func (r *readme) checkNotRun(t *testing.T, b shBlock, repo string) {
	t.Helper()
	for _, c := range b.cmds {
		if w := leadingWords(c.text); len(w) == 0 || w[0] != "make" {
			continue
		}
		cmd := exec.Command("bash", "--noprofile", "--norc", "-c", `make() { command make -n -C "$README_REPO" "$@"; }`+"\n"+c.text)
		cmd.Env = append(environWithout(envPrefix), "README_REPO="+repo)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: make -n of `%s`: %v\n%s", r.where(c.line), firstLine(c.text), err, indent(redact.JWTs(string(out))))
		}
	}
}

// startServer starts what a [runs until stopped] block starts, with the built binary,
// when that is the mock or the proxy; another (an event stream) is only checked.
func (r *readme) startServer(t *testing.T, b shBlock, srv *readmeServers) {
	t.Helper()
	if len(b.cmds) == 0 {
		t.Errorf("%s: a block that runs until stopped has no command", r.where(b.fence))
		return
	}
	w := leadingWords(b.cmds[0].text)
	isGoRun := len(w) >= 3 && w[0] == "go" && w[1] == "run" && w[2] == "./cmd/appmaker-mock"
	switch {
	case len(w) >= 2 && w[0] == "make" && w[1] == "mock":
		args := strings.Trim(strings.TrimPrefix(strings.Join(w[2:], " "), "ARGS="), `'"`)
		srv.restartMock(strings.Fields(args), false)
	case isGoRun && len(w) >= 4 && w[3] == "proxy":
		if srv.mock == nil {
			srv.restartMock(nil, false)
		}
		flags := make([]string, len(w)-4)
		for i, f := range w[4:] {
			flags[i] = strings.ReplaceAll(f, "localhost:5001", srv.mockAddr)
		}
		srv.startProxy(flags)
	case isGoRun:
		srv.restartMock(w[3:], false)
	}
}

// curlVersion is the major and minor version `curl --version` reports.
func curlVersion(t *testing.T) [2]int {
	t.Helper()
	out, err := exec.Command("curl", "--version").Output()
	if err != nil {
		t.Fatalf("curl --version: %v", err)
	}
	var v [2]int
	if _, err := fmt.Sscanf(string(out), "curl %d.%d", &v[0], &v[1]); err != nil {
		t.Fatalf("curl --version said %q: %v", firstLine(string(out)), err)
	}
	return v
}

func firstLine(s string) string {
	line, _, more := strings.Cut(s, "\n")
	if more {
		return line + " …"
	}
	return line
}

func indent(s string) string {
	if s == "" {
		return "    (nothing)"
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
