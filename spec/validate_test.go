package spec_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/appmaker/refresh-conformance/spec"
)

// ValidateInput accepts the refresh bodies clients send, refuses what the document does
// not declare, and leaves the body readable for the caller either way.
func TestValidateInputOnRefreshBodies(t *testing.T) {
	s, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	op, _ := s.Operation(spec.RefreshOperationID)
	for _, tc := range []struct {
		contentType, body string
		valid             bool
	}{
		{"application/json", `{"refreshToken":"eyJhbGciOiJIUzI1NiJ9.e30.c2ln"}`, true},
		{"application/json", ` {"refreshToken" : "t", "extra": [1, {"x": null}]} `, true},
		{"application/json; charset=utf-8", `{"refreshToken":"t"}`, true},
		{"application/json", `{"refreshToken":"\u00e9t\u00e9"}`, true},
		{"application/json", `{"refreshToken":42}`, false},
		{"application/json", `{"refreshToken":null}`, false},
		{"application/json", `{}`, false},
		{"application/json", `{"refresh_token":"t"}`, false},
		{"application/json", `[]`, false},
		{"application/json", `"t"`, false},
		{"application/json", `{"refreshToken":"t"`, false},
		{"application/json", ``, false},
		{"text/plain", `{"refreshToken":"t"}`, false},
	} {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/auth/refresh-token", strings.NewReader(tc.body))
		r.Header.Set("Content-Type", tc.contentType)
		errs := s.ValidateInput(r, op)
		if got := len(errs) == 0; got != tc.valid {
			t.Errorf("Content-Type %q, body %s: valid %v, want %v (%v)", tc.contentType, tc.body, got, tc.valid, errs)
		}
		if rest, _ := io.ReadAll(r.Body); string(rest) != tc.body {
			t.Errorf("Content-Type %q: the body left readable is %q, want %q", tc.contentType, rest, tc.body)
		}
	}
}
