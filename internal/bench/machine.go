package bench

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// The machine is shared: other engineers compile on the same two cores. These read how
// loaded it was, so that the table says how far its figures can be trusted.

// userHZ is the kernel's fixed tick rate for /proc/stat and /proc/<pid>/stat.
const userHZ = 100

// machineBusy is the CPU time every core has spent busy since boot (/proc/stat's first
// line: user, nice, system, irq, softirq and steal; idle and iowait left out).
func machineBusy() (time.Duration, error) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	return parseBusy(string(raw))
}

func parseBusy(stat string) (time.Duration, error) {
	line, _, _ := strings.Cut(stat, "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, errors.New("unexpected first line in /proc/stat")
	}
	var ticks int64
	for i, v := range f[1:9] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

func cpuModel() string {
	raw, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "CPU model unknown"
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "CPU model unknown"
}

func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func machineLine() string {
	return strconv.Itoa(runtime.NumCPU()) + " cores, " + cpuModel() + "; " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
}
