package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"
)

// redisServer is a redis-server started for the variants that run the mock on a Redis store:
// on loopback, with a data directory of its own and persistence off.
type redisServer struct {
	cmd  *exec.Cmd
	addr string
	done chan error
}

func (r *redisServer) url() string { return "redis://" + r.addr + "/0" }

// startRedisFor starts a redis-server when one of rep's variants needs it. Without
// redis-server installed those variants are left out of rep and a note says why.
func startRedisFor(ctx context.Context, rep *report, tmp string, stderr io.Writer) (*redisServer, error) {
	if !slices.ContainsFunc(rep.Variants, func(v variant) bool { return v.redis }) {
		return nil, nil
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		rep.Variants = slices.DeleteFunc(rep.Variants, func(v variant) bool { return v.redis })
		rep.Skipped = append(rep.Skipped, "the mock on a Redis store: redis-server is not installed (sudo apt-get install redis-server)")
		progress(stderr, "redis-server is not installed: the Redis store's round is left out")
		return nil, nil
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(addr)
	dir := filepath.Join(tmp, "redis")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", port, "--dir", dir, "--save", "", "--appendonly", "no",
		"--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("redis-server: %w", err)
	}
	r := &redisServer{cmd: cmd, addr: addr, done: make(chan error, 1)}
	go func() { r.done <- cmd.Wait() }()
	progress(stderr, "redis-server on %s for the Redis store's round", addr)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		select {
		case err := <-r.done:
			return nil, fmt.Errorf("redis-server exited before it served (%v): see its log in %s", err, dir)
		case <-ctx.Done():
			r.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if ping(addr) {
			return r, nil
		}
	}
	r.stop()
	return nil, fmt.Errorf("redis-server did not answer PING on %s within 10s", addr)
}

// ping says whether a Redis server answers PING on addr.
func ping(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := io.WriteString(c, "PING\r\n"); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && line == "+PONG\r\n"
}

func (r *redisServer) stop() {
	_ = r.cmd.Process.Kill()
	<-r.done
}
