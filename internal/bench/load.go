package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/appmaker/refresh-conformance/internal/cputime"
)

// Credentials are one session's current pair: the access token to send as bearer and
// the refresh token to present.
type Credentials struct {
	Access, Refresh string
}

// Load is one loopback load run: Connections keep-alive connections to Addr, each sending
// POST Path back to back for Duration. Every request presents a pair taken from a queue
// that starts as Pool; every 201 answer puts the pair it carries back in the queue, so
// each session rotates along its own chain and no refresh token is presented twice.
type Load struct {
	Addr        string // host:port
	Path        string
	Connections int
	Threads     int // wrk's -t; the Go generator runs one goroutine per connection
	Duration    time.Duration
	Pool        []Credentials
}

// LoadResult is what a load run measured.
type LoadResult struct {
	Generator string        // which generator ran, as the table says it
	Requests  int64         // answers received
	Elapsed   time.Duration // how long the requests ran
	Non201    int64         // answers other than 201, and 201s without a pair to chain
	Errors    int64         // connection, read, write and timeout errors
	P50, P99  time.Duration // answer latency percentiles
	// GeneratorCPU is the CPU time the generator used, user and system: wrk's process, or
	// for the Go generator this whole process.
	GeneratorCPU time.Duration
}

// GeneratorCPUPerAnswer is the generator's CPU time per answer received.
func (r LoadResult) GeneratorCPUPerAnswer() time.Duration {
	if r.Requests <= 0 {
		return 0
	}
	return r.GeneratorCPU / time.Duration(r.Requests)
}

// RPS is answers received per second.
func (r LoadResult) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// requestFor writes the refresh request for c.
func requestFor(dst []byte, l *Load, c Credentials) []byte {
	body := len(`{"refreshToken":""}`) + len(c.Refresh)
	dst = append(dst, "POST "...)
	dst = append(dst, l.Path...)
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	dst = append(dst, l.Addr...)
	dst = append(dst, "\r\nContent-Type: application/json\r\nAuthorization: Bearer "...)
	dst = append(dst, c.Access...)
	dst = append(dst, "\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(body), 10)
	dst = append(dst, "\r\n\r\n{\"refreshToken\":\""...)
	dst = append(dst, c.Refresh...)
	return append(dst, "\"}"...)
}

// field returns the JSON string value of key in body, which the servers write without
// spaces or escapes inside tokens.
func field(body []byte, key string) (string, bool) {
	i := bytes.Index(body, []byte(`"`+key+`":"`))
	if i < 0 {
		return "", false
	}
	rest := body[i+len(key)+4:]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return "", false
	}
	return string(rest[:end]), true
}

// nextCredentials reads the pair a 201 answer carries.
func nextCredentials(body []byte) (Credentials, bool) {
	a, ok1 := field(body, "accessToken")
	r, ok2 := field(body, "refreshToken")
	return Credentials{Access: a, Refresh: r}, ok1 && ok2
}

var errChunked = errors.New("the server answered without Content-Length; the Go load generator reads only sized bodies")

// readResponse reads one HTTP/1.1 response with a Content-Length body.
func readResponse(br *bufio.Reader, body []byte) (status int, _ []byte, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, body, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, body, fmt.Errorf("not an HTTP/1.x status line: %q", line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, body, fmt.Errorf("status line %q: %w", line, err)
	}
	length := -1
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return 0, body, err
		}
		if len(line) <= 2 {
			break
		}
		if name, value, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(name, []byte("Content-Length")) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(value))); err != nil {
				return 0, body, fmt.Errorf("Content-Length %q: %w", value, err)
			}
		}
	}
	if length < 0 {
		return 0, body, errChunked
	}
	body = slices.Grow(body[:0], length)[:length]
	if _, err := io.ReadFull(br, body); err != nil {
		return 0, body, err
	}
	return status, body, nil
}

// RunGo runs l with the Go load generator: one goroutine per connection, raw HTTP/1.1
// over keep-alive TCP, latency measured from writing a request to reading its answer.
func RunGo(l Load) (LoadResult, error) {
	queue := make(chan Credentials, len(l.Pool)+l.Connections)
	for _, c := range l.Pool {
		queue <- c
	}
	var requests, non201, errs atomic.Int64
	latencies := make([][]time.Duration, l.Connections)
	cpu0 := cputime.Used()
	start := time.Now()
	deadline := start.Add(l.Duration)
	stop := time.NewTimer(l.Duration)
	defer stop.Stop()
	done := make(chan struct{})
	go func() { <-stop.C; close(done) }()

	var wg sync.WaitGroup
	var firstErr atomic.Value
	for i := range l.Connections {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", l.Addr)
			if err != nil {
				errs.Add(1)
				firstErr.CompareAndSwap(nil, err)
				return
			}
			defer conn.Close()
			br := bufio.NewReaderSize(conn, 8<<10)
			var req, body []byte
			lat := make([]time.Duration, 0, 1<<14)
			for time.Now().Before(deadline) {
				var c Credentials
				select {
				case c = <-queue:
				case <-done:
					latencies[i] = lat
					return
				}
				req = requestFor(req[:0], &l, c)
				t0 := time.Now()
				if _, err := conn.Write(req); err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err)
					break
				}
				var status int
				status, body, err = readResponse(br, body)
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err)
					break
				}
				t1 := time.Now()
				if t1.After(deadline) {
					break // answered after the window: not counted, as wrk does not count it
				}
				lat = append(lat, t1.Sub(t0))
				requests.Add(1)
				next, ok := nextCredentials(body)
				if status != 201 || !ok {
					non201.Add(1)
					continue // the pair's successor is unknown: this chain ends
				}
				queue <- next
			}
			latencies[i] = lat
		}()
	}
	wg.Wait()
	elapsed := min(time.Since(start), l.Duration)
	all := slices.Concat(latencies...)
	slices.Sort(all)
	res := LoadResult{
		Generator: fmt.Sprintf("Go load generator (internal/bench, %d connections)", l.Connections),
		Requests:  requests.Load(), Elapsed: elapsed, Non201: non201.Load(), Errors: errs.Load(),
		P50: percentile(all, 0.50), P99: percentile(all, 0.99), GeneratorCPU: cputime.Used() - cpu0,
	}
	if res.Requests == 0 {
		if err, _ := firstErr.Load().(error); err != nil {
			return res, fmt.Errorf("no answers: %w", err)
		}
		return res, errors.New("no answers")
	}
	return res, nil
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}
