package main

import (
	"bufio"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The ballast is live heap without being resident: the collector counts it, and its
// pages are never written. If they were (zeroed by the allocator, or by the race
// detector), the process would hold all of it.
func TestTheGCBallastIsLiveButNotResident(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads the process's resident memory from /proc, which only Linux has")
	}
	const ballastMiB = 512
	bin := buildMock(t)
	t.Setenv("GODEBUG", "gctrace=1") // after the build, for the binary only: one line per collection on stderr
	p := startMock(t, bin, "--log", "off", "--gc-ballast-mib", strconv.Itoa(ballastMiB))
	// "gc 1 @0.011s 2%: …, 514->514->512 MB, …": the last of the three is what the
	// collection left live. Allocating the ballast starts one, so one is reported.
	liveAfter := regexp.MustCompile(`\d+->\d+->(\d+) MB`)
	deadline := time.Now().Add(patience)
	for {
		if m := liveAfter.FindStringSubmatch(p.stderr.String()); m != nil {
			if live, _ := strconv.Atoi(m[1]); live < ballastMiB {
				t.Fatalf("the first collection left %s MB live, less than the %d MiB ballast:\n%s", m[1], ballastMiB, p.stderr.String())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no collection reported in %v:\n%s", patience, p.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	rss := residentMiB(t, p.cmd.Process.Pid)
	if rss >= ballastMiB/4 {
		t.Fatalf("with a %d MiB ballast the mock holds %d MiB resident: the ballast's pages were written", ballastMiB, rss)
	}
	t.Logf("resident with a %d MiB ballast: %d MiB", ballastMiB, rss)
}

// residentMiB reads VmRSS from /proc/<pid>/status.
func residentMiB(t *testing.T, pid int) int {
	t.Helper()
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if kb, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kb), "kB")))
			if err != nil {
				t.Fatalf("VmRSS line %q: %v", sc.Text(), err)
			}
			return n >> 10
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status (err %v)", pid, sc.Err())
	return 0
}
