package suites

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The whole suite must also pass against a correct server that differs from the default
// mock: the mock with a 2 s reuse grace window (issue 18). Ginkgo runs one suite per
// process, so this runs the same test binary again with CONFORMANCE_REUSE_GRACE=2s.
func TestConformanceAgainstTheMockWithReuseGrace(t *testing.T) {
	if os.Getenv("CONFORMANCE_REUSE_GRACE") != "" || os.Getenv("CONFORMANCE_TARGET") != "" {
		t.Skip("this run already declares a grace window or a target of its own; the grace run is for the embedded mock")
	}
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), bin, "-test.run=^TestConformance$")
	cmd.Env = append(os.Environ(), "CONFORMANCE_REUSE_GRACE=2s")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the suite against the mock with --reuse-grace 2s failed: %v\n%s", err, out)
	}
	t.Logf("the suite against the mock with --reuse-grace 2s passed:\n%s", lastLines(out, 6))
}

func lastLines(out []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
