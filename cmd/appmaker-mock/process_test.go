package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// patience bounds every wait on the built binary; reaching it means it hung.
const patience = 60 * time.Second

// builtMocks are the binaries buildMock built, by their extra go build flags, so that the
// package's tests (the README's among them) link the command once per variant, not once
// per test. TestMain removes them.
var builtMocks = struct {
	sync.Mutex
	dir  string
	bins map[string]string
}{bins: map[string]string{}}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtMocks.dir != "" {
		_ = os.RemoveAll(builtMocks.dir)
	}
	os.Exit(code)
}

// buildMock builds this command into a temporary directory, with -race when the tests
// run with it, so that a race in the binary under load fails the test too. extra goes
// to go build before the package (e.g. -ldflags). A second call with the same extra
// returns the same binary.
func buildMock(t *testing.T, extra ...string) string {
	t.Helper()
	builtMocks.Lock()
	defer builtMocks.Unlock()
	key := strings.Join(extra, "\x00")
	if bin, ok := builtMocks.bins[key]; ok {
		return bin
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the binary: %v", err)
	}
	if builtMocks.dir == "" {
		if builtMocks.dir, err = os.MkdirTemp("", "appmaker-mock-test-"); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(builtMocks.dir, fmt.Sprintf("appmaker-mock-%d", len(builtMocks.bins)))
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, extra...)
	if out, err := exec.Command(goTool, append(args, ".")...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	builtMocks.bins[key] = bin
	return bin
}

// mockProcess is the binary running on a free loopback port.
type mockProcess struct {
	cmd            *exec.Cmd
	base           string // http://127.0.0.1:port
	stdout, stderr syncBuffer
	exited         chan struct{}
	exitErr        error
}

// startMock runs bin with args on 127.0.0.1:0 and waits until it serves.
func startMock(t *testing.T, bin string, args ...string) *mockProcess {
	t.Helper()
	p := &mockProcess{exited: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"--addr", "127.0.0.1:0"}, args...)...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.exitErr = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
	serving := regexp.MustCompile(`on (http://127\.0\.0\.1:\d+)/`)
	deadline := time.Now().Add(patience)
	for {
		if m := serving.FindStringSubmatch(p.stderr.String()); m != nil {
			p.base = m[1]
			return p
		}
		select {
		case <-p.exited:
			t.Fatalf("the mock exited before serving: %v\n%s", p.exitErr, p.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the mock did not say where it serves:\n%s", p.stderr.String())
		}
	}
}

// wait waits for the process to exit and returns how it did.
func (p *mockProcess) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-p.exited:
		return p.exitErr
	case <-time.After(patience):
		t.Fatalf("the mock did not exit:\n%s", p.stderr.String())
		return nil
	}
}
