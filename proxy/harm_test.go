package proxy_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/conformance"
	"github.com/appmaker/refresh-conformance/internal/forged"
	"github.com/appmaker/refresh-conformance/proxy"
	"github.com/appmaker/refresh-conformance/spec"
)

func TestABodyOverTheLimitPassesThroughUnjudged(t *testing.T) {
	var received atomic.Int64
	big := bytes.Repeat([]byte("x"), proxy.MaxValidatedBody+10_000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		received.Store(n)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"validationError":{"body":["` + string(big) + `"]}}`))
	}))
	t.Cleanup(srv.Close)
	col, base := startProxy(t, srv.URL+"/api/v1")
	body := []byte(`{"refreshToken":"` + string(big) + `"}`)
	a := send(t, base, accessToken(), "application/json", body)
	if received.Load() != int64(len(body)) {
		t.Fatalf("the upstream received %d bytes of a %d-byte body", received.Load(), len(body))
	}
	if a.status != http.StatusBadRequest || len(a.body) != len(big)+len(`{"validationError":{"body":[""]}}`) {
		t.Fatalf("the app got %d and %d bytes, want the upstream's 400 whole", a.status, len(a.body))
	}
	vs := col.violations()
	if len(vs) != 2 || vs[0].Rule != proxy.RuleUnvalidatedBody || vs[1].Rule != proxy.RuleUnvalidatedBody ||
		!strings.Contains(vs[0].Seen, "request body") || !strings.Contains(vs[1].Seen, "response body") {
		t.Fatalf("violations = %+v, want the request and the response reported unjudged", vs)
	}
	if vs[0].Party != proxy.PartyProxy || len(vs[0].Exchange.Request.Body) > 4<<10 {
		t.Errorf("the report is the proxy's and shows the start of the body only: %s, %d bytes", vs[0].Party, len(vs[0].Exchange.Request.Body))
	}
}

func TestAnUpstreamThatDoesNotAnswerInTimeIsAnswered504(t *testing.T) {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) })
	col, base := startProxy(t, srv.URL+"/api/v1", proxy.WithTimeout(100*time.Millisecond), proxy.WithAnnotate(true))
	a := refresh(t, base, accessToken(), forged.Garbage())
	var body proxy.ProxyError
	if a.status != http.StatusGatewayTimeout || json.Unmarshal(a.body, &body) != nil || body.ProxyError.Code != "upstream_timeout" ||
		a.header.Get("Content-Type") != "application/json" || a.header.Get(proxy.ViolationHeader) != "upstream-timeout" {
		t.Fatalf("answered %d %s %v, want 504 with a JSON body and the annotation", a.status, a.body, a.header)
	}
	if got := col.of(proxy.RuleUpstreamTimeout); len(got) != 1 || got[0].Party != proxy.PartyServer {
		t.Fatalf("upstream-timeout = %+v, want once, the server's", got)
	}
}

func TestAnUnreachableUpstreamIsAnswered502(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	col, base := startProxy(t, "http://"+addr+"/api/v1")
	a := refresh(t, base, accessToken(), forged.Garbage())
	var body proxy.ProxyError
	if a.status != http.StatusBadGateway || json.Unmarshal(a.body, &body) != nil || body.ProxyError.Code != "upstream_unreachable" ||
		a.header.Get(proxy.AnswerHeader) != "upstream-unreachable" {
		t.Fatalf("answered %d %s, want 502 with a JSON body", a.status, a.body)
	}
	if got := col.of(proxy.RuleUpstreamUnreachable); len(got) != 1 {
		t.Fatalf("upstream-unreachable = %+v, want once", got)
	}
}

func TestStrictRefusesAnInvalidRequestBeforeTheUpstream(t *testing.T) {
	var calls atomic.Int64
	upstream := brokenUpstream(t, func(string) (int, any) {
		calls.Add(1)
		return 201, pairOf(forged.Garbage())
	})
	d := doc(t)
	op, _ := d.Operation(spec.RefreshOperationID)
	for _, c := range []struct {
		name                string
		access, contentType string
		body                string
		status              int
		field               string
	}{
		{"a body without refreshToken", accessToken(), "application/json", `{}`, 400, "body"},
		{"refreshToken as a number", accessToken(), "application/json", `{"refreshToken":42}`, 400, "body"},
		{"a content type the document does not declare", accessToken(), "text/plain", `{"refreshToken":"not-a-token-x"}`, 400, "Content-Type"},
		{"no credential", "", "application/json", `{"refreshToken":"not-a-token-x"}`, 401, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			col, base := startProxy(t, upstream, proxy.WithStrict(true), proxy.WithAnnotate(true))
			a := send(t, base, c.access, c.contentType, []byte(c.body))
			if a.status != c.status || a.header.Get(proxy.AnswerHeader) != "refused" ||
				a.header.Get(proxy.ViolationHeader) != string(proxy.RuleInvalidRequest) {
				t.Fatalf("answered %d %s %v, want %d refused by the proxy", a.status, a.body, a.header, c.status)
			}
			if c.field != "" {
				var body spec.ValidationErrorBody
				if json.Unmarshal(a.body, &body) != nil || len(body.ValidationError[c.field]) != 1 {
					t.Errorf("the 400 body %s names no %q", a.body, c.field)
				}
			}
			// The refusal is an answer the document declares, judged as the suite judges one.
			req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/auth/refresh-token", nil)
			ex := &conformance.Exchange{Request: req, Body: a.body, Response: &http.Response{
				StatusCode: a.status, Status: http.StatusText(a.status), Header: a.header, Body: io.NopCloser(bytes.NewReader(a.body))}}
			if err := conformance.Validate(d, op, ex, conformance.NewRedactor()); err != nil {
				t.Errorf("the refusal breaks the document: %v", err)
			}
			if vs := col.violations(); len(vs) != 1 || !vs[0].Exchange.RefusedByProxy || vs[0].Party != proxy.PartyClient {
				t.Errorf("violations = %+v, want one, the client's, refused by the proxy", vs)
			}
		})
	}
	if calls.Load() != 0 {
		t.Fatalf("the upstream saw %d refused requests", calls.Load())
	}
	// Without --strict the same request reaches the upstream and is reported.
	col, base := startProxy(t, upstream)
	if a := send(t, base, accessToken(), "application/json", []byte(`{}`)); a.status != 201 || calls.Load() != 1 {
		t.Fatalf("without --strict the request was not forwarded: %d, %d calls", a.status, calls.Load())
	}
	if got := col.of(proxy.RuleInvalidRequest); len(got) != 1 || got[0].Party != proxy.PartyClient {
		t.Fatalf("invalid-request = %+v, want once, the client's", got)
	}
}

func TestAnnotateNamesTheRulesBrokenAndNothingElse(t *testing.T) {
	upstream := brokenUpstream(t, func(presented string) (int, any) { return 201, pairOf(presented) })
	_, base := startProxy(t, upstream, proxy.WithAnnotate(true))
	if a := refresh(t, base, accessToken(), forged.Garbage()); a.header.Get(proxy.ViolationHeader) != "no-rotation" {
		t.Fatalf("%s = %q, want no-rotation", proxy.ViolationHeader, a.header.Get(proxy.ViolationHeader))
	}
	_, plain := startProxy(t, upstream)
	if a := refresh(t, plain, accessToken(), forged.Garbage()); a.header.Get(proxy.ViolationHeader) != "" {
		t.Fatalf("without --annotate the answer carries %s", proxy.ViolationHeader)
	}
}

func TestATLSUpstreamIsTrustedWithItsCAOrInsecurely(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		_ = json.NewEncoder(w).Encode(pairOf(forged.Garbage()))
	}))
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "upstream-ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		caFile   string
		insecure bool
		status   int
	}{
		{"with --upstream-ca", caFile, false, 201},
		{"with --upstream-insecure", "", true, 201},
		{"trusting only the system's CAs", "", false, 502},
	} {
		t.Run(c.name, func(t *testing.T) {
			transport, err := proxy.UpstreamTransport(c.caFile, c.insecure)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(transport.CloseIdleConnections)
			_, base := startProxy(t, srv.URL+"/api/v1", proxy.WithTransport(transport))
			if a := refresh(t, base, accessToken(), forged.Garbage()); a.status != c.status {
				t.Fatalf("answered %d %s, want %d", a.status, a.body, c.status)
			}
		})
	}
	if _, err := proxy.UpstreamTransport(filepath.Join(t.TempDir(), "missing.pem"), false); err == nil {
		t.Error("a missing CA file was accepted")
	}
}

// A compressed answer is judged inflated and forwarded as it came; one the proxy cannot
// inflate is forwarded unjudged and reported as such.
func TestACompressedAnswerIsJudgedInflatedAndForwardedAsItCame(t *testing.T) {
	var plain bytes.Buffer
	_ = json.NewEncoder(&plain).Encode(pairOf(forged.Garbage()))
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, _ = zw.Write(plain.Bytes())
	_ = zw.Close()
	for _, c := range []struct {
		encoding string
		body     []byte
		rule     proxy.Rule // "" for none
	}{
		{"gzip", zipped.Bytes(), ""},
		{"br", []byte("not really brotli"), proxy.RuleUnvalidatedBody},
		{"gzip", []byte("not gzip"), proxy.RuleUnvalidatedBody},
	} {
		t.Run(c.encoding, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Encoding", c.encoding)
				w.WriteHeader(201)
				_, _ = w.Write(c.body)
			}))
			t.Cleanup(srv.Close)
			col, base := startProxy(t, srv.URL+"/api/v1")
			req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/auth/refresh-token", strings.NewReader(`{"refreshToken":"`+forged.Garbage()+`"}`))
			req.Header.Set("Authorization", "Bearer "+accessToken())
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept-Encoding", c.encoding) // asked for, so Go's client leaves it encoded
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !bytes.Equal(got, c.body) || resp.Header.Get("Content-Encoding") != c.encoding {
				t.Fatalf("the app got %q (%s), want the upstream's bytes as they came", got, resp.Header.Get("Content-Encoding"))
			}
			vs := col.violations()
			switch {
			case c.rule == "" && len(vs) != 0:
				t.Fatalf("a valid gzip answer was reported: %+v", vs)
			case c.rule != "" && (len(vs) != 1 || vs[0].Rule != c.rule):
				t.Fatalf("violations = %+v, want one %s", vs, c.rule)
			}
		})
	}
}
