package spec_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/appmaker/refresh-conformance/internal/cputime"
	"github.com/appmaker/refresh-conformance/spec"
)

// The benchmarks below measure libopenapi-validator as the mock and the suite use it,
// on the refresh operation, each check on its own. `make bench` prints them.

const benchToken = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl"

func benchOperation(b *testing.B) (*spec.Spec, *spec.Operation) {
	b.Helper()
	doc, err := spec.Load()
	if err != nil {
		b.Fatal(err)
	}
	op, ok := doc.Operation(spec.RefreshOperationID)
	if !ok {
		b.Fatal("no refresh operation")
	}
	return doc, op
}

const benchBody = `{"refreshToken":"` + benchToken + `"}`

func benchRequest() *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/refresh-token", strings.NewReader(benchBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+benchToken)
	return req
}

// BenchmarkValidateInput is the request check of a valid refresh request: parameters and body.
func BenchmarkValidateInput(b *testing.B) {
	doc, op := benchOperation(b)
	req := benchRequest()
	b.ReportAllocs()
	start := cputime.Used()
	for b.Loop() {
		req.Body = io.NopCloser(strings.NewReader(benchBody))
		if errs := doc.ValidateInput(req, op); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
	cputime.Report(b, start)
}

// BenchmarkValidateSecurity is the check that the request carries a credential the
// document's security accepts.
func BenchmarkValidateSecurity(b *testing.B) {
	doc, op := benchOperation(b)
	req := benchRequest()
	b.ReportAllocs()
	start := cputime.Used()
	for b.Loop() {
		if errs := doc.ValidateSecurity(req, op); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
	cputime.Report(b, start)
}

// BenchmarkValidateResponse is the check of a 201 answer with a token pair.
func BenchmarkValidateResponse(b *testing.B) {
	doc, op := benchOperation(b)
	req := benchRequest()
	body := `{"accessToken":"` + benchToken + `","refreshToken":"` + benchToken + `"}`
	b.ReportAllocs()
	start := cputime.Used()
	for b.Loop() {
		resp := &http.Response{StatusCode: http.StatusCreated, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: req}
		if errs := doc.ValidateResponse(req, op, resp); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
	cputime.Report(b, start)
}

// mintedSizeToken has the length and shape of a token the mock mints (about 300 bytes).
var mintedSizeToken = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + strings.Repeat("eyJzdWIiOiJ1c2VyIn0", 11) + ".c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2ln"

// BenchmarkRotationValidationAndAnswer is the mock's work around the refresh semantics
// for a rotation, in the order it does it: the security check, reading the body, the
// input check, decoding the body, and building the 201 body. Verifying and signing the
// tokens and the store are the rest of mock's BenchmarkRefreshRotation.
func BenchmarkRotationValidationAndAnswer(b *testing.B) {
	doc, op := benchOperation(b)
	body := `{"refreshToken":"` + mintedSizeToken + `"}`
	req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/refresh-token", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+mintedSizeToken)
	pair := spec.TokenPair{AccessToken: mintedSizeToken, RefreshToken: mintedSizeToken}
	var answer []byte
	b.ReportAllocs()
	start := cputime.Used()
	for b.Loop() {
		req.Body = io.NopCloser(strings.NewReader(body))
		if errs := doc.ValidateSecurity(req, op); len(errs) > 0 {
			b.Fatal(errs)
		}
		raw, err := io.ReadAll(req.Body)
		if err != nil {
			b.Fatal(err)
		}
		req.Body = io.NopCloser(bytes.NewReader(raw))
		if errs := doc.ValidateInput(req, op); len(errs) > 0 {
			b.Fatal(errs)
		}
		var r spec.RefreshTokenRequest
		if err := json.Unmarshal(raw, &r); err != nil || r.RefreshToken != mintedSizeToken {
			b.Fatalf("decoded %+v, %v", r, err)
		}
		if answer, err = json.Marshal(pair); err != nil {
			b.Fatal(err)
		}
	}
	cputime.Report(b, start)
	if len(answer) == 0 {
		b.Fatal("no answer built")
	}
}
