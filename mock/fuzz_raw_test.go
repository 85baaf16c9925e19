package mock_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/spec"
)

// FuzzRawRequest feeds arbitrary bytes to the mock as a request read off the wire: the
// method, target, headers and body a client could send, whatever their shape. $ACCESS and
// $REFRESH stand for a real session's tokens. Every request net/http would hand to the
// mock must be answered without a 5xx and without the mock failing (a recovered panic or
// an unexpected error is logged, and the log must stay empty); an answer on the refresh
// operation must have a status and body the document declares. The control plane is off:
// its faults would make the fuzzer wait or drop connections on purpose.
func FuzzRawRequest(f *testing.F) {
	doc, srv, failures := fuzzMock(f, 5, mock.WithAdmin(false))
	op, _ := doc.Operation(spec.RefreshOperationID)
	const refresh = "POST /api/v1/auth/refresh-token HTTP/1.1\r\nHost: mock\r\nAuthorization: Bearer $ACCESS\r\nContent-Type: application/json\r\n"
	for _, seed := range []string{
		refresh + "Content-Length: 27\r\n\r\n{\"refreshToken\":\"$REFRESH\"}",
		refresh + "Transfer-Encoding: chunked\r\n\r\n1b\r\n{\"refreshToken\":\"$REFRESH\"}\r\n0\r\n\r\n",
		strings.Replace(refresh, "/api/v1/", "http://mock/api/v1/", 1) + "Content-Length: 27\r\n\r\n{\"refreshToken\":\"$REFRESH\"}",
		strings.Replace(refresh, "HTTP/1.1", "HTTP/1.0", 1) + "x-access-token: $ACCESS\r\nContent-Length: 2\r\n\r\n{}",
		"OPTIONS /api/v1/auth/refresh-token HTTP/1.1\r\nHost: mock\r\nOrigin: http://app\r\nAccess-Control-Request-Method: POST\r\n\r\n",
		"HEAD /api/v1/x/../auth/refresh-token HTTP/1.1\r\nHost: mock\r\n\r\n",
		"GET /healthz HTTP/1.1\r\nHost: mock\r\n\r\n",
		refresh + "Prefer: code=401\r\nContent-Length: 27\r\n\r\n{\"refreshToken\":\"$REFRESH\"}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := srv.NewSession(context.Background(), mock.NewSessionRequest{})
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil || req.ProtoMajor != 1 {
			t.Skip("net/http answers this itself")
		}
		fillTokens(req, strings.NewReplacer("$ACCESS", s.AccessToken, "$REFRESH", s.RefreshToken))
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		resp := rec.Result()
		if resp.StatusCode >= 500 || resp.Header.Get(mock.HeaderError) == mock.CodeInternal {
			got, _ := io.ReadAll(resp.Body)
			t.Fatalf("%s %s answered %d %s", req.Method, req.URL.Path, resp.StatusCode, got)
		}
		if log := failures.String(); log != "" {
			t.Fatalf("the mock logged a failure:\n%s", log)
		}
		if req.Method == op.Method && req.URL.Path == srv.BasePath()+op.Path && resp.Header.Get(mock.HeaderError) != mock.CodeMethodNotAllowed {
			if !op.DeclaresStatus(resp.StatusCode) {
				t.Fatalf("status %d is not declared for the operation", resp.StatusCode)
			}
			check := httptest.NewRequest(http.MethodPost, "http://mock"+srv.BasePath()+op.Path, nil)
			if errs := doc.ValidateResponse(check, op, resp); len(errs) > 0 {
				got, _ := io.ReadAll(resp.Body)
				t.Fatalf("answer %d breaks the document: %v\nbody: %s", resp.StatusCode, errs, got)
			}
		}
	})
}

// fillTokens puts the session's tokens where req has placeholders, in its headers and
// body, after parsing, so that the framing the fuzzer chose (lengths that lie included)
// still applies to what it wrote.
func fillTokens(req *http.Request, fill *strings.Replacer) {
	for name, values := range req.Header {
		for i, v := range values {
			values[i] = fill.Replace(v)
		}
		req.Header[name] = values
	}
	body, err := io.ReadAll(req.Body)
	filled := []byte(fill.Replace(string(body)))
	if err == nil && req.ContentLength >= 0 {
		req.ContentLength = int64(len(filled))
	}
	req.Body = io.NopCloser(io.MultiReader(bytes.NewReader(filled), errorReader{err}))
}

// errorReader fails with err, or ends when err is nil.
type errorReader struct{ err error }

func (r errorReader) Read([]byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	return 0, io.EOF
}
