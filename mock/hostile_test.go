package mock_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/appmaker/refresh-conformance/internal/forged"
	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/spec"
)

// The catalogue's server shortens the read timeouts so that the cases which wait for them
// end in seconds, and moves WriteTimeout with them (it counts from the end of the headers,
// so what matters is its margin over ReadTimeout). MaxHeaderBytes, IdleTimeout and the
// 64 KiB body limit are what the binary runs with.
const (
	catalogueReadHeaderTimeout = 2 * time.Second // the binary: mock.ReadHeaderTimeout
	catalogueReadTimeout       = 4 * time.Second // the binary: mock.ReadTimeout
	catalogueWriteTimeout      = catalogueReadTimeout + mock.WriteTimeout - mock.ReadTimeout
	// patience bounds every wait of the catalogue; reaching it means the mock hung.
	patience = 30 * time.Second
)

// tcpMock is a mock served over real TCP by the http.Server the binary uses.
type tcpMock struct {
	doc                *spec.Spec
	op                 *spec.Operation
	srv                *mock.Server
	addr               string
	mockLog, serverLog *syncBuffer
}

func newTCPMock(t *testing.T) *tcpMock {
	t.Helper()
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	op, _ := doc.Operation(spec.RefreshOperationID)
	m := &tcpMock{doc: doc, op: op, mockLog: &syncBuffer{}, serverLog: &syncBuffer{}}
	// Request lines are Info: at Error only what the mock did not expect is kept (a
	// recovered panic included), and the catalogue wants none.
	logger := slog.New(slog.NewTextHandler(m.mockLog, &slog.HandlerOptions{Level: slog.LevelError}))
	m.srv, err = mock.NewServer(doc, mock.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.addr = ln.Addr().String()
	hs := m.srv.HTTPServer(m.addr)
	hs.ReadHeaderTimeout, hs.ReadTimeout, hs.WriteTimeout = catalogueReadHeaderTimeout, catalogueReadTimeout, catalogueWriteTimeout
	hs.ErrorLog = log.New(m.serverLog, "", 0)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = hs.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = hs.Close()
		<-served
	})
	return m
}

func (m *tcpMock) session(t *testing.T) mock.SessionTokens {
	t.Helper()
	s, err := m.srv.NewSession(context.Background(), mock.NewSessionRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// syncBuffer is a bytes.Buffer the server's goroutines and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// step is one thing a hostile client does on its connection, in order.
type step struct {
	send       string       // bytes to write before going on
	sendAsync  string       // bytes written in the background (bodies the mock stops reading)
	trickle    string       // bytes written in the background, one per trickleEvery
	closeWrite bool         // half-close: the client will send nothing more
	expect     *expectation // one answer to read
	closed     bool         // the mock closes the connection (after its answers, if any)
	cutOff     bool         // ReadHeaderTimeout closes the connection, net/http's bare 400 first or not
}

// expectation is an answer the case must get. byNetHTTP marks answers net/http writes
// before the mock's handler sees the request (text/plain, no X-Mock-Error).
type expectation struct {
	status    int
	code      string
	head      bool
	byNetHTTP bool
	check     func(t *testing.T, resp *http.Response, body []byte)
}

func send(raw string) step      { return step{send: raw} }
func sendAsync(raw string) step { return step{sendAsync: raw} }
func trickle(raw string) step   { return step{trickle: raw} }
func closeWrite() step          { return step{closeWrite: true} }
func closedByMock() step        { return step{closed: true} }
func cutOff() step              { return step{cutOff: true} }
func expect(status int, code string) step {
	return step{expect: &expectation{status: status, code: code}}
}
func expectNetHTTP(status int) step {
	return step{expect: &expectation{status: status, byNetHTTP: true}}
}
func expectHead(status int, code string) step {
	return step{expect: &expectation{status: status, code: code, head: true}}
}

// trickleEvery paces the slow clients: the "one byte a second" would outlast the
// shortened ReadHeaderTimeout after two bytes, so bytes come faster to show that a client
// that keeps sending is still cut off.
const trickleEvery = 250 * time.Millisecond

// caseEnv is what a case builds its requests from: a fresh session on the catalogue's mock.
type caseEnv struct {
	m *tcpMock
	s mock.SessionTokens
}

const refreshPath = "/api/v1/auth/refresh-token"

// post is a refresh request with a valid credential and a JSON content type; extra
// header lines end in \r\n.
func (e caseEnv) post(extra, body string) string {
	return e.postTo(refreshPath, extra, body)
}

func (e caseEnv) postTo(target, extra, body string) string {
	return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n%s",
		target, e.m.addr, e.s.AccessToken, extra, len(body), body)
}

// head is the request line and headers of a refresh without Content-Length or the blank line.
func (e caseEnv) head(method, target string) string {
	return fmt.Sprintf("%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n", method, target, e.m.addr, e.s.AccessToken)
}

func (e caseEnv) body() string { return `{"refreshToken":"` + e.s.RefreshToken + `"}` }

// padded is a refresh body of exactly n bytes whose token is n-19 letters.
func padded(n int) string {
	return `{"refreshToken":"` + strings.Repeat("a", n-len(`{"refreshToken":""}`)) + `"}`
}

func chunked(body string, size int) string {
	var b strings.Builder
	for len(body) > 0 {
		n := min(size, len(body))
		fmt.Fprintf(&b, "%x\r\n%s\r\n", n, body[:n])
		body = body[n:]
	}
	b.WriteString("0\r\n\r\n")
	return b.String()
}

type hostileCase struct {
	name  string
	steps func(e caseEnv) []step
}

func hostileCatalogue() []hostileCase {
	const (
		bad     = mock.CodeValidationFailed
		badTok  = mock.CodeInvalidRefreshToken
		badCred = mock.CodeInvalidCredentials
		noRoute = mock.CodeNotFound
		method  = mock.CodeMethodNotAllowed
	)
	tenMiB := padded(10 << 20)
	return []hostileCase{
		// Bodies: the 64 KiB limit and what a JSON decoder may choke on.
		{"body of 64 KiB + 1 byte", func(e caseEnv) []step {
			return []step{send(e.post("", padded(mock.MaxBodyBytes+1))), expect(400, bad)}
		}},
		{"body of exactly 64 KiB", func(e caseEnv) []step {
			return []step{send(e.post("", padded(mock.MaxBodyBytes))), expect(401, badTok)}
		}},
		{"body of 10 MiB", func(e caseEnv) []step {
			return []step{sendAsync(e.post("", tenMiB)), expect(400, bad), closedByMock()}
		}},
		{"body of 10 MiB, chunked", func(e caseEnv) []step {
			return []step{sendAsync(e.head("POST", refreshPath) + "Transfer-Encoding: chunked\r\n\r\n" + chunked(tenMiB, 1<<20)), expect(400, bad), closedByMock()}
		}},
		{"JSON nested 100,000 levels deep", func(e caseEnv) []step {
			return []step{sendAsync(e.post("", `{"refreshToken":`+strings.Repeat("[", 100_000)+strings.Repeat("]", 100_000)+`}`)), expect(400, bad)}
		}},
		{"arrays nested 30,000 levels deep, inside 64 KiB", func(e caseEnv) []step {
			return []step{send(e.post("", `{"refreshToken":`+strings.Repeat("[", 30_000)+strings.Repeat("]", 30_000)+`}`)), expect(400, bad)}
		}},
		{"objects nested 12,000 levels deep, inside 64 KiB", func(e caseEnv) []step {
			return []step{send(e.post("", strings.Repeat(`{"":`, 12_000)+"1"+strings.Repeat("}", 12_000))), expect(400, bad)}
		}},
		{"invalid UTF-8 inside the token", func(e caseEnv) []step {
			return []step{send(e.post("", "{\"refreshToken\":\"\xff\xfe\xc0\x80\"}")), expect(401, badTok)}
		}},
		{"invalid UTF-8 outside any string", func(e caseEnv) []step {
			return []step{send(e.post("", "{\xff\"refreshToken\":\"x\"}")), expect(400, bad)}
		}},
		{"a raw NUL byte inside the token", func(e caseEnv) []step {
			return []step{send(e.post("", "{\"refreshToken\":\"a\x00b\"}")), expect(400, bad)}
		}},
		{"an escaped NUL inside the token", func(e caseEnv) []step {
			return []step{send(e.post("", `{"refreshToken":"a\u0000b"}`)), expect(401, badTok)}
		}},
		{"a body of NUL bytes", func(e caseEnv) []step {
			return []step{send(e.post("", "\x00\x00\x00\x00")), expect(400, bad)}
		}},
		{"duplicate keys", func(e caseEnv) []step {
			return []step{send(e.post("", `{"refreshToken":"a","refreshToken":"b"}`)), expect(401, badTok)}
		}},
		// The last duplicate wins, for the validator and the decoder alike.
		{"duplicate keys, the real token first", func(e caseEnv) []step {
			return []step{send(e.post("", `{"refreshToken":"`+e.s.RefreshToken+`","refreshToken":"b"}`)), expect(401, badTok)}
		}},
		{"duplicate keys, the real token last", func(e caseEnv) []step {
			return []step{send(e.post("", `{"refreshToken":"b","refreshToken":"`+e.s.RefreshToken+`"}`)), expect(201, "")}
		}},
		{"1e999 as the token", func(e caseEnv) []step {
			return []step{send(e.post("", `{"refreshToken":1e999}`)), expect(400, bad)}
		}},
		{"1e999 beside the token", func(e caseEnv) []step {
			return []step{send(e.post("", `{"refreshToken":"`+e.s.RefreshToken+`","n":1e999}`)), expect(400, bad)}
		}},
		{"a byte order mark before the JSON", func(e caseEnv) []step {
			return []step{send(e.post("", "\xef\xbb\xbf"+e.body())), expect(400, bad)}
		}},
		{"a UTF-16 body", func(e caseEnv) []step {
			return []step{send(e.post("", "\xff\xfe{\x00}\x00")), expect(400, bad)}
		}},
		{"a second JSON value after the object", func(e caseEnv) []step {
			return []step{send(e.post("", e.body()+` {"a":1}`)), expect(400, bad)}
		}},
		{"a JSON comment", func(e caseEnv) []step {
			return []step{send(e.post("", `{/* hi */"refreshToken":"x"}`)), expect(400, bad)}
		}},
		{"null as the body", func(e caseEnv) []step {
			return []step{send(e.post("", `null`)), expect(400, bad)}
		}},
		{"null as the token", func(e caseEnv) []step {
			return []step{send(e.post("", `{"refreshToken":null}`)), expect(400, bad)}
		}},
		{"an empty body", func(e caseEnv) []step {
			return []step{send(e.post("", "")), expect(400, bad)}
		}},
		// Prefer (RFC 7240) may pick a declared error answer, never one the document lacks.
		{"Prefer: code=500", func(e caseEnv) []step {
			return []step{send(e.post("Prefer: code=500\r\n", e.body())), expect(400, bad)}
		}},
		{"Prefer: a status of 30 digits", func(e caseEnv) []step {
			return []step{send(e.post("Prefer: code="+strings.Repeat("9", 30)+"\r\n", e.body())), expect(400, bad)}
		}},
		{"Prefer: 5,000 preferences", func(e caseEnv) []step {
			return []step{send(e.post("Prefer: "+strings.Repeat("x=1,", 5000)+"\r\n", e.body())), expect(201, "")}
		}},
		{"JSON sent as text/plain", func(e caseEnv) []step {
			return []step{send(strings.Replace(e.post("", e.body()), "application/json", "text/plain", 1)), expect(400, bad)}
		}},

		// Framing: lengths that lie, chunking, transfer codings, Expect.
		{"Content-Length shorter than the body", func(e caseEnv) []step {
			return []step{send(e.head("POST", refreshPath) + "Content-Length: 10\r\n\r\n" + e.body()), closeWrite(), expect(400, bad), expectNetHTTP(400), closedByMock()}
		}},
		{"Content-Length longer than the body, then the client closes", func(e caseEnv) []step {
			return []step{send(e.head("POST", refreshPath) + "Content-Length: 1000\r\n\r\n" + e.body()), closeWrite(), expect(400, bad), closedByMock()}
		}},
		// The body read runs into ReadTimeout; WriteTimeout is longer, so the client still hears why.
		{"Content-Length longer than the body, then the client waits", func(e caseEnv) []step {
			return []step{send(e.head("POST", refreshPath) + "Content-Length: 1000\r\n\r\n" + e.body()), expect(400, bad), closedByMock()}
		}},
		{"a negative Content-Length", func(e caseEnv) []step {
			return []step{send(e.head("POST", refreshPath) + "Content-Length: -1\r\n\r\n" + e.body()), expectNetHTTP(400), closedByMock()}
		}},
		{"two different Content-Lengths", func(e caseEnv) []step {
			return []step{send(e.head("POST", refreshPath) + "Content-Length: 2\r\nContent-Length: 5\r\n\r\n{}"), expectNetHTTP(400), closedByMock()}
		}},
		// RFC 9112 §6.3: Transfer-Encoding overrides Content-Length.
		{"Content-Length and chunked together", func(e caseEnv) []step {
			return []step{send(e.head("POST", refreshPath) + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(e.body(), 16)), expect(201, "")}
		}},
		{"a chunked body", func(e caseEnv) []step {
			return []step{send(e.head("POST", refreshPath) + "Transfer-Encoding: chunked\r\n\r\n" + chunked(e.body(), 7)), expect(201, "")}
		}},
		{"a chunked body with extensions and a trailer", func(e caseEnv) []step {
			b := e.body()
			return []step{send(e.head("POST", refreshPath) + "Transfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n" +
				fmt.Sprintf("%x;ext=1\r\n%s\r\n0\r\nX-T: 1\r\n\r\n", len(b), b)), expect(201, "")}
		}},
		{"a malformed chunk size", func(e caseEnv) []step {
			return []step{send(e.head("POST", refreshPath) + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"), expect(400, bad), closedByMock()}
		}},
		{"64 KiB + 1 byte in chunks of 1 KiB", func(e caseEnv) []step {
			return []step{sendAsync(e.head("POST", refreshPath) + "Transfer-Encoding: chunked\r\n\r\n" + chunked(padded(mock.MaxBodyBytes+1), 1024)), expect(400, bad)}
		}},
		// RFC 9112 §6.1: a transfer coding the server does not understand is answered 501,
		// by net/http itself, before the mock's handler could see anything.
		{"Transfer-Encoding gzip", func(e caseEnv) []step {
			return []step{send(e.head("POST", refreshPath) + "Transfer-Encoding: gzip\r\n\r\n" + e.body()), expectNetHTTP(501), closedByMock()}
		}},
		{"Expect: 100-continue", func(e caseEnv) []step {
			b := e.body()
			return []step{send(e.head("POST", refreshPath) + fmt.Sprintf("Expect: 100-continue\r\nContent-Length: %d\r\n\r\n", len(b))),
				expectNetHTTP(100), send(b), expect(201, "")}
		}},
		// RFC 9110 §10.1.1: an expectation the server cannot meet is answered 417.
		{"an unknown expectation", func(e caseEnv) []step {
			return []step{send(e.post("Expect: teapot\r\n", e.body())), expectNetHTTP(417), closedByMock()}
		}},

		// Headers: size limits, slow clients, duplicates, odd credentials.
		{"a header block over the limit", func(e caseEnv) []step {
			return []step{sendAsync(e.post("X-Big: "+strings.Repeat("a", 64<<10)+"\r\n", e.body())), expectNetHTTP(431), closedByMock()}
		}},
		{"10,000 small headers", func(e caseEnv) []step {
			return []step{sendAsync(e.post(strings.Repeat("X-A: b\r\n", 10_000), e.body())), expectNetHTTP(431), closedByMock()}
		}},
		{"a bearer of 1 MiB", func(e caseEnv) []step {
			req := strings.Replace(e.post("", e.body()), e.s.AccessToken, strings.Repeat("a", 1<<20), 1)
			return []step{sendAsync(req), expectNetHTTP(431), closedByMock()}
		}},
		{"a bearer of 30 KiB, inside the limit", func(e caseEnv) []step {
			return []step{send(strings.Replace(e.post("", e.body()), e.s.AccessToken, strings.Repeat("a", 30<<10), 1)), expect(401, badCred)}
		}},
		{"a request line over the limit", func(e caseEnv) []step {
			return []step{sendAsync(e.postTo(refreshPath+"?q="+strings.Repeat("a", 64<<10), "", e.body())), expectNetHTTP(431), closedByMock()}
		}},
		{"a slow client sending its headers a byte at a time", func(e caseEnv) []step {
			return []step{trickle(e.post("", e.body())), cutOff()}
		}},
		{"a slow client sending its body a byte at a time", func(e caseEnv) []step {
			b := e.body()
			return []step{send(e.head("POST", refreshPath) + fmt.Sprintf("Content-Length: %d\r\n\r\n", len(b))), trickle(b), expect(400, bad), closedByMock()}
		}},
		{"a client that connects and sends nothing", func(e caseEnv) []step {
			return []step{closedByMock()}
		}},
		// Header.Get, which the validator and the mock both use, reads the first field.
		{"two Authorization headers, the valid one first", func(e caseEnv) []step {
			return []step{send(e.post("Authorization: Bearer garbage\r\n", e.body())), expect(201, "")}
		}},
		{"two Authorization headers, the valid one second", func(e caseEnv) []step {
			req := strings.Replace(e.post("Authorization: Bearer "+e.s.AccessToken+"\r\n", e.body()), "Bearer "+e.s.AccessToken, "Bearer garbage", 1)
			return []step{send(req), expect(401, badCred)}
		}},
		{"a garbage bearer beside a valid x-access-token", func(e caseEnv) []step {
			req := strings.Replace(e.post("x-access-token: "+e.s.AccessToken+"\r\n", e.body()), "Bearer "+e.s.AccessToken, "Bearer garbage", 1)
			return []step{send(req), expect(201, "")}
		}},
		{"Basic credentials", func(e caseEnv) []step {
			return []step{send(strings.Replace(e.post("", e.body()), "Bearer "+e.s.AccessToken, "Basic dXNlcjpwYXNz", 1)), expect(401, badCred)}
		}},
		{"an empty bearer", func(e caseEnv) []step {
			return []step{send(strings.Replace(e.post("", e.body()), "Bearer "+e.s.AccessToken, "Bearer ", 1)), expect(401, badCred)}
		}},
		{"a bearer signed with alg none", func(e caseEnv) []step {
			return []step{send(strings.Replace(e.post("", e.body()), e.s.AccessToken, resign(e.s.AccessToken, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType), 1)), expect(401, badCred)}
		}},
		{"a NUL byte in a header value", func(e caseEnv) []step {
			return []step{send(e.post("X-A: a\x00b\r\n", e.body())), expectNetHTTP(400), closedByMock()}
		}},
		{"a header name with a space", func(e caseEnv) []step {
			return []step{send(e.post("X A: b\r\n", e.body())), expectNetHTTP(400), closedByMock()}
		}},
		{"obsolete line folding", func(e caseEnv) []step {
			return []step{send(e.post("X-A: a\r\n  folded\r\n", e.body())), expect(201, "")}
		}},
		{"no Host header on HTTP/1.1", func(e caseEnv) []step {
			return []step{send(strings.Replace(e.post("", e.body()), "Host: "+e.m.addr+"\r\n", "", 1)), expectNetHTTP(400), closedByMock()}
		}},
		{"two Host headers", func(e caseEnv) []step {
			return []step{send(e.post("Host: evil.example\r\n", e.body())), expectNetHTTP(400), closedByMock()}
		}},

		// Protocol versions and pipelining.
		{"HTTP/1.0", func(e caseEnv) []step {
			return []step{send(strings.Replace(e.post("", e.body()), "HTTP/1.1", "HTTP/1.0", 1)), expect(201, ""), closedByMock()}
		}},
		{"HTTP/1.0 without Host", func(e caseEnv) []step {
			req := strings.Replace(strings.Replace(e.post("", e.body()), "HTTP/1.1", "HTTP/1.0", 1), "Host: "+e.m.addr+"\r\n", "", 1)
			return []step{send(req), expect(201, ""), closedByMock()}
		}},
		// RFC 9112 §9.3.2: pipelined requests are answered in order; the second use of a token is reuse.
		{"pipelined: the same token twice", func(e caseEnv) []step {
			return []step{send(e.post("", e.body()) + e.post("", e.body())), expect(201, ""), expect(401, mock.CodeRefreshTokenReused)}
		}},
		{"pipelined: a refresh, then garbage", func(e caseEnv) []step {
			return []step{send(e.post("", e.body()) + "GARBAGE\r\n\r\n"), expect(201, ""), expectNetHTTP(400), closedByMock()}
		}},
		{"pipelined: 50 requests in one write", func(e caseEnv) []step {
			steps := []step{send(strings.Repeat(e.post("", `{"refreshToken":"x"}`), 50))}
			for range 50 {
				steps = append(steps, expect(401, badTok))
			}
			return steps
		}},
		// RFC 9110 §15.6.6: net/http answers a major version it does not speak with 505.
		{"an HTTP/2.0 request line", func(e caseEnv) []step {
			return []step{send(strings.Replace(e.post("", e.body()), "HTTP/1.1", "HTTP/2.0", 1)), expectNetHTTP(505), closedByMock()}
		}},
		{"the HTTP/2 connection preface", func(e caseEnv) []step {
			return []step{send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), expect(404, noRoute)}
		}},
		{"a request line of garbage", func(e caseEnv) []step {
			return []step{send("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"), expectNetHTTP(400), closedByMock()}
		}},

		// Methods.
		{"HEAD", func(e caseEnv) []step {
			return []step{send(e.head("HEAD", refreshPath) + "\r\n"), expectHead(405, method)}
		}},
		{"OPTIONS without Origin", func(e caseEnv) []step {
			return []step{send(e.head("OPTIONS", refreshPath) + "\r\n"), expect(405, method)}
		}},
		{"a CORS preflight", func(e caseEnv) []step {
			return []step{send(e.head("OPTIONS", refreshPath) + "Origin: http://localhost:3000\r\nAccess-Control-Request-Method: POST\r\n\r\n"), expect(204, "")}
		}},
		{"TRACE with credentials", func(e caseEnv) []step {
			return []step{send(e.head("TRACE", refreshPath) + "\r\n"), {expect: &expectation{status: 405, code: method,
				check: func(t *testing.T, _ *http.Response, body []byte) {
					if bytes.Contains(body, []byte(e.s.AccessToken)) {
						t.Error("TRACE echoed the credential")
					}
				}}}}
		}},
		{"GET", func(e caseEnv) []step {
			return []step{send(e.head("GET", refreshPath) + "\r\n"), expect(405, method)}
		}},
		{"DELETE with a body", func(e caseEnv) []step {
			return []step{send(strings.Replace(e.post("", e.body()), "POST", "DELETE", 1)), expect(405, method)}
		}},
		{"a lower-case method", func(e caseEnv) []step {
			return []step{send(strings.Replace(e.post("", e.body()), "POST", "post", 1)), expect(405, method)}
		}},
		{"a method that is not a token", func(e caseEnv) []step {
			return []step{send(strings.Replace(e.post("", e.body()), "POST", "PO{ST", 1)), expectNetHTTP(400), closedByMock()}
		}},
		{"CONNECT", func(e caseEnv) []step {
			return []step{send("CONNECT " + e.m.addr + " HTTP/1.1\r\nHost: " + e.m.addr + "\r\n\r\n"), expect(404, noRoute)}
		}},
		// RFC 9110 §9.3.7: net/http answers OPTIONS * itself.
		{"OPTIONS *", func(e caseEnv) []step {
			return []step{send("OPTIONS * HTTP/1.1\r\nHost: " + e.m.addr + "\r\n\r\n"), expectNetHTTP(200)}
		}},

		// Request targets.
		{"an absolute-form target", func(e caseEnv) []step {
			return []step{send(e.postTo("http://"+e.m.addr+refreshPath, "", e.body())), expect(201, "")}
		}},
		{"an absolute-form target naming another host", func(e caseEnv) []step {
			return []step{send(e.postTo("http://evil.example"+refreshPath, "", e.body())), expect(201, "")}
		}},
		{"an asterisk target on POST", func(e caseEnv) []step {
			return []step{send(e.postTo("*", "", e.body())), expect(404, noRoute)}
		}},
		{"'..' in the path", func(e caseEnv) []step {
			return []step{send(e.postTo("/api/v1/x/../auth/refresh-token", "", e.body())), expect(404, noRoute)}
		}},
		{"'%2e%2e' in the path", func(e caseEnv) []step {
			return []step{send(e.postTo("/api/v1/x/%2e%2e/auth/refresh-token", "", e.body())), expect(404, noRoute)}
		}},
		{"'..' above the root", func(e caseEnv) []step {
			return []step{send(e.postTo("/../../api/v1/auth/refresh-token", "", e.body())), expect(404, noRoute)}
		}},
		// net/http decodes %2F into the path the router matches: the same operation.
		{"'%2F' for a slash", func(e caseEnv) []step {
			return []step{send(e.postTo("/api/v1/auth%2Frefresh-token", "", e.body())), expect(201, "")}
		}},
		{"a double slash", func(e caseEnv) []step {
			return []step{send(e.postTo("//api/v1/auth/refresh-token", "", e.body())), expect(404, noRoute)}
		}},
		{"a trailing slash", func(e caseEnv) []step {
			return []step{send(e.postTo(refreshPath+"/", "", e.body())), expect(404, noRoute)}
		}},
		{"an upper-case path", func(e caseEnv) []step {
			return []step{send(e.postTo(strings.ToUpper(refreshPath), "", e.body())), expect(404, noRoute)}
		}},
		{"'%00' in the path", func(e caseEnv) []step {
			return []step{send(e.postTo(refreshPath+"%00", "", e.body())), expect(404, noRoute)}
		}},
		{"a fragment in the target", func(e caseEnv) []step {
			return []step{send(e.postTo(refreshPath+"#x", "", e.body())), expect(404, noRoute)}
		}},
		{"the token in the query string as well", func(e caseEnv) []step {
			return []step{send(e.postTo(refreshPath+"?refreshToken="+e.s.RefreshToken, "", e.body())), expect(201, "")}
		}},
		{"a path of 30 KiB", func(e caseEnv) []step {
			return []step{send(e.postTo("/"+strings.Repeat("a/", 15<<10), "", e.body())), expect(404, noRoute)}
		}},
	}
}

// resign puts token's header and claims under another algorithm, keeping its claims.
func resign(token string, method jwt.SigningMethod, key any) string {
	claims, err := forged.Claims(token)
	if err != nil {
		panic(err)
	}
	return forged.Sign(method, key, claims)
}

// TestHostileInputCatalogue sends each case over its own TCP connection to a mock served
// with the binary's limits, reads the answers it must get, and then checks that the mock
// still refreshes a session and holds no more goroutines than before the case.
func TestHostileInputCatalogue(t *testing.T) {
	m := newTCPMock(t)
	wantGoroutinesBack(t, func() { m.normalRefresh(t) }) // no baseline counts the warm-up's connection
	baseline := runtime.NumGoroutine() + 1               // each case runs in a subtest's goroutine
	cases := hostileCatalogue()
	if len(cases) < 40 {
		t.Fatalf("the catalogue has %d cases; the issue asks for at least 40", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m.run(t, c.steps(caseEnv{m: m, s: m.session(t)}))
			m.normalRefresh(t)
			waitForGoroutines(t, baseline)
		})
	}
	if log := m.mockLog.String(); log != "" {
		t.Errorf("the mock logged errors it did not expect:\n%s", log)
	}
	if log := m.serverLog.String(); strings.Contains(log, "panic") {
		t.Errorf("net/http recovered a panic:\n%s", log)
	}
}

// normalRefresh checks over a fresh connection that the mock still rotates a session.
func (m *tcpMock) normalRefresh(t *testing.T) {
	t.Helper()
	e := caseEnv{m: m, s: m.session(t)}
	m.run(t, []step{send(strings.Replace(e.post("", e.body()), "HTTP/1.1", "HTTP/1.0", 1)), expect(201, ""), closedByMock()})
}

// run plays steps on a new connection.
func (m *tcpMock) run(t *testing.T, steps []step) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", m.addr, patience)
	if err != nil {
		t.Fatal(err)
	}
	var writers sync.WaitGroup
	defer func() {
		conn.Close()
		writers.Wait()
	}()
	if err := conn.SetDeadline(time.Now().Add(patience)); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	for i, s := range steps {
		switch {
		case s.send != "":
			if _, err := io.WriteString(conn, s.send); err != nil {
				t.Fatalf("step %d: write: %v", i, err)
			}
		case s.sendAsync != "":
			writers.Go(func() { _, _ = io.WriteString(conn, s.sendAsync) })
		case s.trickle != "":
			writers.Go(func() {
				tick := time.NewTicker(trickleEvery)
				defer tick.Stop()
				for j := range len(s.trickle) {
					if _, err := io.WriteString(conn, s.trickle[j:j+1]); err != nil {
						return
					}
					<-tick.C
				}
			})
		case s.closeWrite:
			if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
				t.Fatalf("step %d: close write: %v", i, err)
			}
		case s.expect != nil:
			m.readAnswer(t, r, i, s.expect)
		case s.cutOff:
			// net/http's 400 has no length: it ends with the connection, and the slow
			// client's next byte may turn that end into a reset before it is read.
			got, err := io.ReadAll(r)
			if !errors.Is(err, syscall.ECONNRESET) && err != nil {
				t.Fatalf("step %d: want the connection closed by the mock, got %v", i, err)
			}
			if len(got) > 0 && !strings.HasPrefix(string(got), "HTTP/1.1 400 Bad Request\r\n") {
				t.Fatalf("step %d: want the connection cut off, read %q", i, got)
			}
		case s.closed:
			buf := make([]byte, 512)
			n, err := io.ReadAtLeast(r, buf, 1)
			if n > 0 {
				t.Fatalf("step %d: want the connection closed, read %q", i, buf[:n])
			}
			if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("step %d: want the connection closed by the mock, got %v", i, err)
			}
		}
	}
}

func (m *tcpMock) readAnswer(t *testing.T, r *bufio.Reader, i int, want *expectation) {
	t.Helper()
	method := http.MethodPost
	if want.head {
		method = http.MethodHead
	}
	resp, err := http.ReadResponse(r, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("step %d: want %d, read: %v", i, want.status, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("step %d: read body: %v", i, err)
	}
	code := resp.Header.Get(mock.HeaderError)
	if resp.StatusCode != want.status || code != want.code {
		t.Fatalf("step %d: got %d %q %s, want %d %q", i, resp.StatusCode, code, body, want.status, want.code)
	}
	fromMock := resp.Header.Get("Cache-Control") == "no-store"
	switch {
	case want.byNetHTTP && fromMock:
		t.Errorf("step %d: want net/http's own answer, got the mock's", i)
	case !want.byNetHTTP && !fromMock:
		t.Errorf("step %d: want the mock's answer (Cache-Control: no-store), got %v", i, resp.Header)
	case !want.byNetHTTP && resp.StatusCode >= 500:
		t.Errorf("step %d: the mock answered %d", i, resp.StatusCode)
	}
	// The document's statuses for the operation must come with the body it declares.
	if fromMock && m.op.DeclaresStatus(resp.StatusCode) && !want.head {
		resp.Body = io.NopCloser(bytes.NewReader(body))
		check := httptest.NewRequest(http.MethodPost, refreshPath, nil)
		if errs := m.doc.ValidateResponse(check, m.op, resp); len(errs) > 0 {
			t.Errorf("step %d: answer %d breaks the document: %v\nbody: %s", i, resp.StatusCode, errs, body)
		}
	}
	if want.check != nil {
		want.check(t, resp, body)
	}
}

// wantGoroutinesBack runs f and waits until the goroutines it left behind are gone.
func wantGoroutinesBack(t *testing.T, f func()) {
	t.Helper()
	before := runtime.NumGoroutine()
	f()
	waitForGoroutines(t, before)
}

// waitForGoroutines polls until at most n goroutines run: connections the mock closes
// linger for a moment (net/http waits before closing a connection it stopped reading).
func waitForGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before the case:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
		time.Sleep(5 * time.Millisecond)
	}
}

// A crowd of connections that never send a request (slowloris) neither stops the mock
// answering others nor stays: ReadHeaderTimeout closes every one of them.
func TestIdleConnectionsNeitherBlockNorStay(t *testing.T) {
	m := newTCPMock(t)
	wantGoroutinesBack(t, func() { m.normalRefresh(t) })
	baseline := runtime.NumGoroutine()
	idle := make([]net.Conn, 200)
	for i := range idle {
		c, err := net.DialTimeout("tcp", m.addr, patience)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, "POST "); err != nil {
			t.Fatal(err)
		}
		idle[i] = c
	}
	m.normalRefresh(t)
	for i, c := range idle {
		if err := c.SetReadDeadline(time.Now().Add(patience)); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(c)
		if err != nil && !errors.Is(err, syscall.ECONNRESET) || len(got) > 0 && !bytes.HasPrefix(got, []byte("HTTP/1.1 400 ")) {
			t.Fatalf("idle connection %d: read %q, %v; want it closed by ReadHeaderTimeout", i, got, err)
		}
		c.Close()
	}
	waitForGoroutines(t, baseline)
}
