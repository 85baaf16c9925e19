package bench

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

//go:embed refresh.lua
var wrkScript []byte

// WrkPath is wrk's path when it is installed, else "".
func WrkPath() string {
	p, err := exec.LookPath("wrk")
	if err != nil {
		return ""
	}
	return p
}

// RunWrk runs l with wrk and the chaining script refresh.lua, in dir (for its files).
func RunWrk(ctx context.Context, wrk, dir string, l Load) (LoadResult, error) {
	script := filepath.Join(dir, "refresh.lua")
	if err := os.WriteFile(script, wrkScript, 0o644); err != nil {
		return LoadResult{}, err
	}
	pool := filepath.Join(dir, "pool-"+strings.ReplaceAll(l.Addr, ":", "_")+".txt")
	var b bytes.Buffer
	for _, c := range l.Pool {
		fmt.Fprintf(&b, "%s %s\n", c.Access, c.Refresh)
	}
	if err := os.WriteFile(pool, b.Bytes(), 0o600); err != nil {
		return LoadResult{}, err
	}
	args := []string{
		"-t" + strconv.Itoa(l.Threads), "-c" + strconv.Itoa(l.Connections), "-d" + durationArg(l.Duration),
		"-s", script, "http://" + l.Addr + l.Path, "--", pool, strconv.Itoa(l.Threads), l.Path,
	}
	cmd := exec.CommandContext(ctx, wrk, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return LoadResult{}, fmt.Errorf("wrk %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	res, err := parseWrk(out)
	if err != nil {
		return res, fmt.Errorf("wrk %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	res.Generator = fmt.Sprintf("wrk -t%d -c%d -d%s with refresh.lua", l.Threads, l.Connections, durationArg(l.Duration))
	res.GeneratorCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return res, nil
}

func durationArg(d time.Duration) string {
	return strconv.Itoa(int(d.Round(time.Second).Seconds())) + "s"
}

// parseWrk reads the WRK-RESULT line refresh.lua's done() prints.
func parseWrk(out []byte) (LoadResult, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "WRK-RESULT ")
		if !ok {
			continue
		}
		v := map[string]int64{}
		for _, kv := range strings.Fields(line) {
			k, val, _ := strings.Cut(kv, "=")
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				return LoadResult{}, fmt.Errorf("result %q: %w", kv, err)
			}
			v[k] = n
		}
		return LoadResult{
			Requests: v["requests"], Elapsed: time.Duration(v["duration_us"]) * time.Microsecond,
			Errors: v["errors"], Non201: v["non201"],
			P50: time.Duration(v["p50_us"]) * time.Microsecond, P99: time.Duration(v["p99_us"]) * time.Microsecond,
		}, nil
	}
	return LoadResult{}, fmt.Errorf("no WRK-RESULT line in wrk's output")
}
