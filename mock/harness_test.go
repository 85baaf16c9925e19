package mock_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/mock/session"
	"github.com/appmaker/refresh-conformance/spec"
)

// epoch is where every test's fake clock starts.
var epoch = time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

// harness is a mock served over loopback HTTP with a fake clock and seeded randomness.
// Every answer to a document operation that passes through it is validated against the
// document, so no test can forget to.
type harness struct {
	t     *testing.T
	doc   *spec.Spec
	srv   *mock.Server
	url   string
	clock mock.FakeClock
	store *session.MemStore
	// control is the control plane's own document: /__mock/ answers are validated against it.
	control *spec.Spec
}

// Documents are built once for all tests: a Spec is safe for concurrent use and building
// one is the slow part of a harness.
var (
	embeddedDoc     = sync.OnceValues(spec.Load)
	controlPlaneDoc = sync.OnceValues(func() (*spec.Spec, error) { return spec.Parse("control plane", mock.ControlPlaneDocument()) })
	extraDoc        = sync.OnceValues(func() (*spec.Spec, error) { return spec.LoadFile("testdata/extra.openapi.yaml") })
)

func newHarness(t *testing.T, opts ...mock.Option) *harness {
	t.Helper()
	doc, err := embeddedDoc()
	if err != nil {
		t.Fatal(err)
	}
	return newHarnessFor(t, doc, opts...)
}

// newHarnessFor serves doc instead of the embedded document.
func newHarnessFor(t *testing.T, doc *spec.Spec, opts ...mock.Option) *harness {
	t.Helper()
	control, err := controlPlaneDoc()
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, doc: doc, control: control, clock: mock.NewFakeClock(epoch), store: session.NewMemStore()}
	base := []mock.Option{mock.WithClock(h.clock), mock.WithStore(h.store), mock.WithRandom(rand.NewChaCha8([32]byte{7}))}
	h.srv, err = mock.NewServer(doc, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h.srv)
	t.Cleanup(func() {
		h.srv.CloseStreams()
		closeWithin(t, ts)
	})
	h.url = ts.URL
	return h
}

// answer is a response with its body read.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) code() string { return a.header.Get(mock.HeaderError) }

func (a answer) pair(t *testing.T) spec.TokenPair {
	t.Helper()
	var p spec.TokenPair
	if err := json.Unmarshal(a.body, &p); err != nil || p.AccessToken == "" || p.RefreshToken == "" {
		t.Fatalf("want a token pair, got %d %s", a.status, a.body)
	}
	return p
}

func (a answer) validationFields(t *testing.T) map[string][]string {
	t.Helper()
	var v spec.ValidationErrorBody
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("want a 400 body, got %s", a.body)
	}
	return v.ValidationError
}

// do sends req and checks what every answer must satisfy: JSON, no-store, and for the
// document's operations a status, media type and body the document declares.
func (h *harness) do(req *http.Request) answer {
	h.t.Helper()
	resp, err := answerClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, body: body}
	if resp.StatusCode >= 500 {
		h.t.Errorf("%s %s answered %d: %s", req.Method, req.URL.Path, resp.StatusCode, body)
	}
	if resp.StatusCode != http.StatusNoContent {
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			h.t.Errorf("Content-Type = %q, want application/json", ct)
		}
		if !json.Valid(body) {
			h.t.Errorf("body is not JSON: %q", body)
		}
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		h.t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	// The router's own 404 and 405 answer a path no operation serves (e.g. the control
	// plane turned off): there is nothing to validate them against.
	routed := a.code() != mock.CodeNotFound && a.code() != mock.CodeMethodNotAllowed
	if doc, op := h.operationAt(req); op != nil && routed {
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if errs := doc.ValidateResponse(req, op, resp); len(errs) > 0 {
			h.t.Errorf("%s %s answered %d that breaks %s: %v\nbody: %s", req.Method, req.URL.Path, resp.StatusCode, doc.Source(), errs, body)
		}
	}
	return a
}

// operationAt finds the operation req calls, in the served document or, under /__mock/,
// in the control plane's.
func (h *harness) operationAt(req *http.Request) (*spec.Spec, *spec.Operation) {
	doc, base := h.doc, h.srv.BasePath()
	if strings.HasPrefix(req.URL.Path, "/__mock/") {
		doc, base = h.control, ""
	}
	for _, op := range doc.Operations() {
		if req.Method == op.Method && matchesTemplate(req.URL.Path, base+op.Path) {
			return doc, op
		}
	}
	return nil, nil
}

func matchesTemplate(path, template string) bool {
	got, want := strings.Split(path, "/"), strings.Split(template, "/")
	if len(got) != len(want) {
		return false
	}
	for i := range want {
		if strings.HasPrefix(want[i], "{") && got[i] != "" || got[i] == want[i] {
			continue
		}
		return false
	}
	return true
}

// call sends method path (a path on the mock) with a JSON body when body is not empty;
// headers alternate name and value.
func (h *harness) call(method, path, body string, headers ...string) answer {
	h.t.Helper()
	return h.do(h.newRequest(method, path, body, headers...))
}

func (h *harness) newRequest(method, path, body string, headers ...string) *http.Request {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	return req
}

// decode reads a JSON answer into v.
func decode[T any](t *testing.T, a answer) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("answer %d is not the JSON expected: %v\n%s", a.status, err, a.body)
	}
	return v
}

// lose sends req on a connection of its own and expects no answer at all.
func (h *harness) lose(req *http.Request) error {
	h.t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		h.t.Fatalf("%s %s: want the connection dropped, got %d %s", req.Method, req.URL.Path, resp.StatusCode, body)
	}
	return err
}

func (h *harness) refreshURL() string { return h.url + h.srv.BasePath() + "/auth/refresh-token" }

// request builds a request to the refresh operation; headers alternate name and value.
func (h *harness) request(contentType, body string, headers ...string) *http.Request {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.refreshURL(), strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	return req
}

// refresh presents refreshToken with accessToken as bearer.
func (h *harness) refresh(accessToken, refreshToken string) answer {
	h.t.Helper()
	body, _ := json.Marshal(spec.RefreshTokenRequest{RefreshToken: refreshToken})
	return h.do(h.request("application/json", string(body), "Authorization", "Bearer "+accessToken))
}

// session starts a session over HTTP.
func (h *harness) session() mock.SessionTokens {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url+"/__mock/sessions", nil)
	a := h.do(req)
	if a.status != http.StatusCreated {
		h.t.Fatalf("POST /__mock/sessions = %d %s", a.status, a.body)
	}
	var s mock.SessionTokens
	if err := json.Unmarshal(a.body, &s); err != nil {
		h.t.Fatal(err)
	}
	return s
}

func (h *harness) storedSession(id string) session.Session {
	h.t.Helper()
	s, err := h.store.Get(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// claims decodes a JWT's payload without verifying it.
func claims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %d parts", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func wantStatus(t *testing.T, a answer, status int, code string) {
	t.Helper()
	if a.status != status || a.code() != code {
		t.Fatalf("got %d %s (%s), want %d %s", a.status, a.code(), a.body, status, code)
	}
}
