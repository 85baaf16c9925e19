//go:build unix

package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/internal/redact"
)

// readmeShell is one bash reading the README's blocks from its stdin, one after another,
// as a reader types them into one terminal: variables and functions stay defined.
type readmeShell struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    syncBuffer // stdout and stderr, interleaved as a terminal shows them
	read   int        // how much of out earlier blocks took
	dir    string
	exited chan struct{}
}

func startShell(t *testing.T, dir string) *readmeShell {
	t.Helper()
	sh := &readmeShell{dir: dir, exited: make(chan struct{})}
	sh.cmd = exec.Command("bash", "--noprofile", "--norc")
	sh.cmd.Dir = dir
	// HOME is the test's directory, so that a ~/.curlrc or ~/.jq of the machine's user
	// changes no output.
	sh.cmd.Env = append(environWithout(envPrefix), "HOME="+dir)
	sh.cmd.Stdout, sh.cmd.Stderr = &sh.out, &sh.out
	sh.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its background jobs go with it
	sh.cmd.WaitDelay = patience
	in, err := sh.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	sh.in = in
	if err := sh.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = sh.cmd.Wait()
		close(sh.exited)
	}()
	t.Cleanup(func() {
		_ = sh.in.Close()
		_ = syscall.Kill(-sh.cmd.Process.Pid, syscall.SIGKILL)
		<-sh.exited
	})
	return sh
}

// commandRun is what one command printed, and how it exited.
type commandRun struct {
	output string
	status string // "" when the shell never got to the end of it
}

// run sources script, the commands of the block starting at line id, each between markers,
// and returns what each command printed, by its README line. Output of a background job
// counts for the command running when it appeared, as on a terminal.
func (sh *readmeShell) run(t *testing.T, id int, cmds []shCommand, rewrite func(string) string) map[int]*commandRun {
	t.Helper()
	var script strings.Builder
	for _, c := range cmds {
		n := strconv.Itoa(c.line)
		script.WriteString("printf '\\n\\036cmd " + n + "\\n'\n")
		script.WriteString(rewrite(c.text) + "\n")
		script.WriteString("printf '\\n\\036rc " + n + " %s\\n' \"$?\"\n")
	}
	file := filepath.Join(sh.dir, fmt.Sprintf("block-%d.sh", id))
	if err := os.WriteFile(file, []byte(script.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	done := fmt.Sprintf("\x1edone %d\n", id)
	// </dev/null: no command of the block may read the script that follows it.
	if _, err := fmt.Fprintf(sh.in, ". '%s' </dev/null\nprintf '\\n\\036done %d\\n'\n", file, id); err != nil {
		t.Fatalf("the shell stopped before the block at line %d: %v", id, err)
	}
	deadline := time.Now().Add(patience)
	for {
		all := sh.out.String()
		if i := strings.Index(all[sh.read:], done); i >= 0 {
			segment := all[sh.read : sh.read+i]
			sh.read += i + len(done)
			return splitRuns(segment)
		}
		select {
		case <-sh.exited:
		case <-time.After(10 * time.Millisecond):
			if time.Now().Before(deadline) {
				continue
			}
		}
		// The shell ended, or the block hung: what it printed so far, and no status for
		// the command it was in, which the caller reports.
		runs := splitRuns(all[sh.read:])
		sh.read = len(all)
		return runs
	}
}

// splitRuns cuts a block's output at the markers run wrote around each command.
func splitRuns(segment string) map[int]*commandRun {
	runs := map[int]*commandRun{}
	var cur *commandRun
	pieces := strings.Split(segment, "\x1e")
	for _, p := range pieces[1:] { // pieces[0]: what came before the first command
		head, rest, _ := strings.Cut(p, "\n")
		f := strings.Fields(head)
		if len(f) < 2 {
			continue
		}
		line, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "cmd":
			cur = &commandRun{}
			runs[line] = cur
		case "rc":
			if r := runs[line]; r != nil && len(f) == 3 {
				r.status = f[2]
			}
		}
		if cur != nil {
			cur.output += rest
		}
	}
	return runs
}

// environWithout is this process's environment without the variables starting with
// prefix: a developer's APPMAKER_MOCK_REUSE_GRACE must not change what the README shows.
func environWithout(prefix string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, prefix) {
			env = append(env, kv)
		}
	}
	return env
}

// readmeServers are the mock and the proxy the blocks talk to. Each keeps the address of
// its first start (a free loopback port), so that a restart does not change what blocks
// already hold in variables.
type readmeServers struct {
	t                   *testing.T
	bin                 string
	mock, proxy         *mockProcess
	mockAddr, proxyAddr string // 127.0.0.1:port, once started
	mockFlags           []string
	forTag              bool // the mock was started for one block's [against a mock started with ...]
}

var listening = regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`)

// start runs the binary with args and waits until its start line says where it listens.
func (s *readmeServers) start(args ...string) (*mockProcess, string) {
	t := s.t
	t.Helper()
	p := &mockProcess{exited: make(chan struct{})}
	p.cmd = exec.Command(s.bin, args...)
	p.cmd.Env = environWithout(envPrefix)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.exitErr = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() { stopProcess(p) })
	deadline := time.Now().Add(patience)
	for {
		if m := listening.FindStringSubmatch(p.stderr.String()); m != nil {
			return p, m[1]
		}
		select {
		case <-p.exited:
			t.Fatalf("appmaker-mock %s exited before serving: %v\n%s", strings.Join(args, " "), p.exitErr, redact.JWTs(p.stderr.String()))
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("appmaker-mock %s did not say where it serves:\n%s", strings.Join(args, " "), redact.JWTs(p.stderr.String()))
		}
	}
}

func stopProcess(p *mockProcess) {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// restartMock stops the mock, if one runs, and starts one with flags on the same address.
func (s *readmeServers) restartMock(flags []string, forTag bool) {
	s.t.Helper()
	if s.mock != nil {
		stopProcess(s.mock)
	}
	addr := s.mockAddr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	s.mock, s.mockAddr = s.start(append([]string{"--addr", addr}, flags...)...)
	s.mockFlags, s.forTag = flags, forTag
}

// startProxy starts the proxy subcommand with flags (their URLs rewritten already).
func (s *readmeServers) startProxy(flags []string) {
	s.t.Helper()
	if s.proxy != nil {
		stopProcess(s.proxy)
	}
	addr := s.proxyAddr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	s.proxy, s.proxyAddr = s.start(append(append([]string{"proxy"}, flags...), "--addr", addr)...)
}
