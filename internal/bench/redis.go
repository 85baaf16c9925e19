package bench

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"

	"github.com/appmaker/refresh-conformance/internal/redistest"
)

// startRedisFor starts a redis-server (loopback, its own data directory, persistence off)
// when one of rep's variants needs it. Without redis-server installed those variants are
// left out of rep and a note says why.
func startRedisFor(rep *report, tmp string, stderr io.Writer) (*redistest.Server, error) {
	if !slices.ContainsFunc(rep.Variants, func(v variant) bool { return v.redis }) {
		return nil, nil
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		rep.Variants = slices.DeleteFunc(rep.Variants, func(v variant) bool { return v.redis })
		rep.Skipped = append(rep.Skipped, "the mock on a Redis store: redis-server is not installed (sudo apt-get install redis-server)")
		progress(stderr, "redis-server is not installed: the Redis store's round is left out")
		return nil, nil
	}
	dir := filepath.Join(tmp, "redis")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	srv, err := redistest.Launch(dir)
	if err != nil {
		return nil, err
	}
	progress(stderr, "redis-server on %s for the Redis store's round", srv.Addr)
	return srv, nil
}
