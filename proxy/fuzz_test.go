package proxy_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/appmaker/refresh-conformance/internal/redact"
	"github.com/appmaker/refresh-conformance/proxy"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Whatever the app sends and the upstream answers, the app gets the upstream's answer
// unchanged, and no report line holds anything shaped like a token.
func FuzzProxyExchange(f *testing.F) {
	f.Add([]byte(`{"refreshToken":"not-a-token-1234"}`), "application/json", "Bearer abcdefgh", 201,
		[]byte(`{"accessToken":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlMTIz","refreshToken":"not-a-token-1234"}`))
	f.Add([]byte(`{"refreshToken":12}`), "application/json; charset=utf-8", "", 400, []byte(`{"validationError":{}}`))
	f.Add([]byte(`[`), "text/plain", "Basic Zm9vOmJhcg==", 500, []byte(`<html>`))
	f.Add([]byte(nil), "", "Bearer", 401, []byte(nil))
	d := doc(f)
	f.Fuzz(func(t *testing.T, reqBody []byte, contentType, auth string, status int, respBody []byte) {
		status = 200 + (status%400+400)%400 // 200 to 599: what an upstream may answer
		col := newCollector()
		upstream := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Body != nil { // a request without a body has none, as http.Transport allows
				_, _ = io.Copy(io.Discard, r.Body)
			}
			return &http.Response{StatusCode: status, Status: http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
				Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(respBody)),
				ContentLength: int64(len(respBody)), Request: r}, nil
		})
		p, err := proxy.New(d, "http://upstream.test/api/v1", proxy.WithTransport(upstream), proxy.WithSink(col))
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/refresh-token", bytes.NewReader(reqBody))
		req.Header["Content-Type"] = []string{contentType}
		req.Header["Authorization"] = []string{auth}
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		if rec.Code != status || !bytes.Equal(rec.Body.Bytes(), respBody) {
			t.Fatalf("the app got %d and %q, the upstream answered %d and %q", rec.Code, rec.Body.Bytes(), status, respBody)
		}
		if report := col.text(); redact.HasJWT(report) {
			t.Fatalf("a token-shaped string reached the report:\n%s", report)
		}
	})
}
