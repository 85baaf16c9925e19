//go:build unix

package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock"
)

// loadTally counts what became of each request a load client sent.
type loadTally struct {
	answered atomic.Int64 // an HTTP answer arrived, whatever its status
	refused  atomic.Int64 // the connection was refused: the mock had stopped listening
	mu       sync.Mutex
	lost     []string // neither: no answer, and no clean refusal
	fiveXX   []string
}

func (l *loadTally) lose(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lost = append(l.lost, fmt.Sprintf(format, args...))
}

// loadClient sends requests on one connection while the mock keeps it open (keepAlive)
// or on a new connection each (!keepAlive).
type loadClient struct {
	base      string
	keepAlive bool
	tally     *loadTally
	conn      net.Conn
	r         *bufio.Reader
}

// do sends one request and reports whether an answer came. A refused connection or a
// lost request ends the client's run.
func (c *loadClient) do(method, path, body string, header ...string) (*http.Response, []byte, bool) {
	if c.conn == nil {
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(c.base, "http://"), patience)
		if errors.Is(err, syscall.ECONNREFUSED) {
			c.tally.refused.Add(1)
			return nil, nil, false
		}
		if err != nil {
			c.tally.lose("dial: %v", err)
			return nil, nil, false
		}
		c.conn, c.r = conn, bufio.NewReader(conn)
	}
	if err := c.conn.SetDeadline(time.Now().Add(patience)); err != nil {
		c.tally.lose("deadline: %v", err)
		return nil, nil, false
	}
	var req strings.Builder
	fmt.Fprintf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", method, path, strings.TrimPrefix(c.base, "http://"), len(body))
	for i := 0; i+1 < len(header); i += 2 {
		fmt.Fprintf(&req, "%s: %s\r\n", header[i], header[i+1])
	}
	if !c.keepAlive {
		req.WriteString("Connection: close\r\n")
	}
	req.WriteString("\r\n" + body)
	if _, err := io.WriteString(c.conn, req.String()); err != nil {
		c.tally.lose("%s %s: write: %v", method, path, err)
		return nil, nil, false
	}
	resp, err := http.ReadResponse(c.r, nil)
	var got []byte
	if err == nil {
		got, err = io.ReadAll(resp.Body)
	}
	if err != nil {
		c.tally.lose("%s %s: %v", method, path, err)
		return nil, nil, false
	}
	c.tally.answered.Add(1)
	if resp.StatusCode >= 500 {
		c.tally.mu.Lock()
		c.tally.fiveXX = append(c.tally.fiveXX, fmt.Sprintf("%s %s: %d %s", method, path, resp.StatusCode, got))
		c.tally.mu.Unlock()
	}
	if resp.Close {
		c.conn.Close()
		c.conn = nil
	}
	return resp, got, true
}

// run starts sessions, rotates each and presents the spent token again, until the mock
// refuses it.
func (c *loadClient) run() {
	defer func() {
		if c.conn != nil {
			c.conn.Close()
		}
	}()
	for {
		_, body, ok := c.do(http.MethodPost, "/__mock/sessions", "")
		if !ok {
			return
		}
		var s mock.SessionTokens
		if err := json.Unmarshal(body, &s); err != nil {
			c.tally.lose("POST /__mock/sessions answered %s", body)
			return
		}
		refresh := `{"refreshToken":"` + s.RefreshToken + `"}`
		for range 2 { // a rotation, then reuse
			if _, _, ok := c.do(http.MethodPost, "/api/v1/auth/refresh-token", refresh, "Authorization", "Bearer "+s.AccessToken); !ok {
				return
			}
		}
	}
}

// SIGTERM under load: every request gets an answer or a clean refusal (the connection is
// refused once the mock stopped listening). A reset, an EOF instead of an answer or a 5xx
// counts as lost, and none may be. Half the clients keep their connection alive, half
// open one per request.
func TestSIGTERMUnderLoadLosesNoRequest(t *testing.T) {
	p := startMock(t, buildMock(t), "--log", "json")
	tally := &loadTally{}
	const clients = 32
	var wg sync.WaitGroup
	for i := range clients {
		c := &loadClient{base: p.base, keepAlive: i%2 == 0, tally: tally}
		wg.Go(c.run)
	}
	deadline := time.Now().Add(patience)
	for tally.answered.Load() < 300 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d answers under load before the deadline", tally.answered.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(t); err != nil {
		t.Fatalf("the mock exited with %v after SIGTERM:\n%s", err, p.stderr.String())
	}
	wg.Wait()

	t.Logf("%d answered, %d refused after SIGTERM", tally.answered.Load(), tally.refused.Load())
	if len(tally.lost) > 0 {
		t.Errorf("%d requests got neither an answer nor a clean refusal:\n%s", len(tally.lost), strings.Join(tally.lost, "\n"))
	}
	if len(tally.fiveXX) > 0 {
		t.Errorf("answers 5xx:\n%s", strings.Join(tally.fiveXX, "\n"))
	}
	if got := tally.refused.Load(); got != clients {
		t.Errorf("%d clients ended refused, want all %d", got, clients)
	}
	// Every request the mock logged was answered, and every answer was logged.
	if logged := int64(strings.Count(p.stderr.String(), `"msg":"request"`)); logged != tally.answered.Load() {
		t.Errorf("the mock logged %d requests, the clients got %d answers", logged, tally.answered.Load())
	}
}
