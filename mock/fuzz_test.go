package mock_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/spec"
)

// FuzzRefresh feeds arbitrary bodies and headers to the refresh operation. In any input,
// $ACCESS and $REFRESH stand for a real session's tokens, so the fuzzer reaches the
// rotation path too. Every answer must have a status the document declares for the
// operation and a body valid for it, and the mock logs no error. The seed corpus is in
// testdata/fuzz/FuzzRefresh.
func FuzzRefresh(f *testing.F) {
	doc, srv, errorLog := fuzzMock(f, 3, mock.WithReuseGrace(1))
	op, _ := doc.Operation(spec.RefreshOperationID)
	f.Add([]byte(`{"refreshToken":"$REFRESH"}`), "application/json", "Bearer $ACCESS", "")
	f.Fuzz(func(t *testing.T, body []byte, contentType, authorization, accessHeader string) {
		for _, v := range []string{contentType, authorization, accessHeader} {
			if strings.ContainsAny(v, "\r\n\x00") {
				t.Skip("not a value a client can put in a header")
			}
		}
		s, err := srv.NewSession(context.Background(), mock.NewSessionRequest{})
		if err != nil {
			t.Fatal(err)
		}
		fill := strings.NewReplacer("$ACCESS", s.AccessToken, "$REFRESH", s.RefreshToken)
		body = []byte(fill.Replace(string(body)))
		req := httptest.NewRequest(http.MethodPost, "http://mock.test/api/v1/auth/refresh-token", bytes.NewReader(body))
		for name, v := range map[string]string{"Content-Type": contentType, "Authorization": authorization, "x-access-token": accessHeader} {
			if v != "" {
				req.Header.Set(name, fill.Replace(v))
			}
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		resp := rec.Result()
		if !op.DeclaresStatus(resp.StatusCode) {
			t.Fatalf("status %d is not declared for the operation", resp.StatusCode)
		}
		check := httptest.NewRequest(http.MethodPost, "http://mock.test/api/v1/auth/refresh-token", nil)
		if errs := doc.ValidateResponse(check, op, resp); len(errs) > 0 {
			got, _ := io.ReadAll(resp.Body)
			t.Fatalf("answer %d breaks the document: %v\nbody: %s", resp.StatusCode, errs, got)
		}
		// 401 internal_error is declared, so only the log tells a failure of the mock apart.
		if log := errorLog.String(); log != "" {
			t.Fatalf("the mock logged an error: %s", log)
		}
	})
}

// fuzzMock is a mock for a fuzz target: the embedded document, a fake clock, randomness
// from seed, and its error log in the returned buffer. opts come after these.
func fuzzMock(f *testing.F, seed byte, opts ...mock.Option) (*spec.Spec, *mock.Server, *syncBuffer) {
	f.Helper()
	doc, err := spec.Load()
	if err != nil {
		f.Fatal(err)
	}
	errorLog := &syncBuffer{}
	base := []mock.Option{mock.WithClock(mock.NewFakeClock(epoch)), mock.WithRandom(rand.NewChaCha8([32]byte{seed})),
		mock.WithLogger(slog.New(slog.NewTextHandler(errorLog, &slog.HandlerOptions{Level: slog.LevelError})))}
	srv, err := mock.NewServer(doc, append(base, opts...)...)
	if err != nil {
		f.Fatal(err)
	}
	return doc, srv, errorLog
}
