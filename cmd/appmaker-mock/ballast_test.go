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
	// "gc 1 @0.011s 2%: …, 514->514->512 MB, …": the first of the three is the heap when
	// the collection started, the last what it left live. Allocating the ballast starts
	// one, so one is reported; the packages' initialisation may have run one before (the
	// binary links libraries that build tables as they start), which does not count.
	liveAfter := regexp.MustCompile(`(\d+)->\d+->(\d+) MB`)
	deadline := time.Now().Add(patience)
	for {
		if m := firstWithBallast(liveAfter.FindAllStringSubmatch(p.stderr.String(), -1), ballastMiB); m != nil {
			if live, _ := strconv.Atoi(m[2]); live < ballastMiB {
				t.Fatalf("the first collection with the ballast allocated left %s MB live, less than the %d MiB ballast:\n%s", m[2], ballastMiB, p.stderr.String())
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

// firstWithBallast is the first collection that started with the ballast on the heap.
func firstWithBallast(collections [][]string, ballastMiB int) []string {
	for _, m := range collections {
		if start, _ := strconv.Atoi(m[1]); start >= ballastMiB {
			return m
		}
	}
	return nil
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
