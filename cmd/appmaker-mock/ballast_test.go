package main

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// The ballast raises the heap goal without being resident: its pages are never
// written. If they were (zeroed by the allocator, or by the race detector), the process
// would hold all of it.
func TestTheGCBallastIsNotResident(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads the process's resident memory from /proc, which only Linux has")
	}
	const ballastMiB = 512
	p := startMock(t, buildMock(t), "--log", "off", "--gc-ballast-mib", strconv.Itoa(ballastMiB))
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
