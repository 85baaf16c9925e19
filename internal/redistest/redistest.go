// Package redistest starts a real redis-server for tests: on a free loopback port, with its
// own data directory, stopped when the test ends. Tests that need one skip, saying how to
// install it, where redis-server is not on PATH. Launch starts one for a program that is not
// a test (make bench's Redis round).
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// startTimeout bounds the wait for a started redis-server to answer PING, and for a
// stopped one to exit.
const startTimeout = 15 * time.Second

// Server is one redis-server process started for a test.
type Server struct {
	// Addr is its host:port on the loopback interface.
	Addr string
	dir  string
	port int
	cmd  *exec.Cmd
	exit chan error // receives the process's end once
}

// Start starts a redis-server for t and stops it when t ends. It skips t when there is
// no redis-server on PATH.
func Start(t testing.TB) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not on PATH; install it to run the Redis tests: apt-get install redis-server")
	}
	s, err := Launch(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.kill)
	return s
}

// Launch starts a redis-server with its data directory dir; Close stops it.
func Launch(dir string) (*Server, error) {
	s := &Server{dir: dir}
	// A port found free may be taken before redis-server binds it: try a few.
	var err error
	for range 5 {
		if s.port, err = freePort(); err != nil {
			return nil, fmt.Errorf("redistest: find a free loopback port: %w", err)
		}
		if err = s.start(); err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("redistest: %w", err)
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	return s, nil
}

// Close stops a server Launch started.
func (s *Server) Close() { s.kill() }

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// start runs redis-server on s.port and s.dir and waits until it answers PING.
func (s *Server) start() error {
	logFile := filepath.Join(s.dir, "redis.log")
	s.cmd = exec.Command("redis-server",
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--logfile", logFile)
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	s.exit = make(chan error, 1)
	go func() { s.exit <- s.cmd.Wait() }()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	client := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	defer client.Close()
	deadline := time.Now().Add(startTimeout)
	for {
		err := client.Ping(context.Background()).Err()
		if err == nil {
			return nil
		}
		select {
		case exitErr := <-s.exit:
			s.exit <- exitErr
			return fmt.Errorf("redis-server on %s exited before answering PING (%v); its log:\n%s", addr, exitErr, readLog(logFile))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.cmd.Process.Kill()
			return fmt.Errorf("redis-server on %s did not answer PING within %v (last: %v); its log:\n%s", addr, startTimeout, err, readLog(logFile))
		}
	}
}

func readLog(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	return string(b)
}

// URL is the redis:// URL of database db.
func (s *Server) URL(db int) string { return fmt.Sprintf("redis://%s/%d", s.Addr, db) }

// Client returns a client of database 0, closed when t ends.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	t.Cleanup(func() { c.Close() })
	return c
}

// Stop saves the data to the server's directory and stops it, as an outage would; Restart
// brings it back with that data.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer c.Close()
	// SHUTDOWN answers by closing the connection, which go-redis reports as success.
	if err := c.ShutdownSave(context.Background()).Err(); err != nil {
		t.Fatalf("redistest: SHUTDOWN SAVE on %s: %v", s.Addr, err)
	}
	select {
	case err := <-s.exit:
		s.exit <- err
	case <-time.After(startTimeout):
		t.Fatalf("redistest: redis-server on %s did not exit within %v of SHUTDOWN SAVE", s.Addr, startTimeout)
	}
}

// Restart starts a stopped server again, on the same port, with the data Stop saved.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if err := s.start(); err != nil {
		t.Fatalf("redistest: restart: %v", err)
	}
}

// kill ends the process if it still runs.
func (s *Server) kill() {
	select {
	case err := <-s.exit:
		s.exit <- err
		return
	default:
	}
	s.cmd.Process.Kill()
	<-s.exit
}
