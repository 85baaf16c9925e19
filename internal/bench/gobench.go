package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// GoBenchmark is one line of `go test -bench -benchmem` output.
type GoBenchmark struct {
	Name    string
	Metrics map[string]float64 // by unit: ns/op, cpu-ns/op, B/op, allocs/op
}

// GoBenchArgs are the arguments of the in-process benchmark run.
var GoBenchArgs = []string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-count", "1", "./spec", "./mock", "./proxy"}

// RunGoBenchmarks runs `go test` with GoBenchArgs in dir and reads its results.
func RunGoBenchmarks(ctx context.Context, goTool, dir string) ([]GoBenchmark, error) {
	cmd := exec.CommandContext(ctx, goTool, GoBenchArgs...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go %s: %w\n%s", strings.Join(GoBenchArgs, " "), err, out)
	}
	return parseGoBench(out), nil
}

func parseGoBench(out []byte) []GoBenchmark {
	var res []GoBenchmark
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		b := GoBenchmark{Name: strings.TrimPrefix(f[0], "Benchmark"), Metrics: map[string]float64{}}
		if i := strings.LastIndexByte(b.Name, '-'); i > 0 {
			b.Name = b.Name[:i] // the GOMAXPROCS suffix
		}
		for i := 2; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				b.Metrics[f[i+1]] = v
			}
		}
		res = append(res, b)
	}
	return res
}
