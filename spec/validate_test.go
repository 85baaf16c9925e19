package spec

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// bodySeeds are refresh request bodies, valid and not, in the shapes clients send.
var bodySeeds = []struct{ contentType, body string }{
	{"application/json", `{"refreshToken":"eyJhbGciOiJIUzI1NiJ9.e30.c2ln"}`},
	{"application/json", ` {"refreshToken" : "t", "extra": [1, {"x": null}]} `},
	{"application/json; charset=utf-8", `{"refreshToken":"t"}`},
	{"Application/JSON", `{"refreshToken":"t"}`},
	{"application/json", `{"refreshToken":"\u00e9t\u00e9"}`},
	{"application/json", `{"refreshToken":"t","refreshToken":"u"}`},
	{"application/json", `{"refreshToken":42}`},
	{"application/json", `{"refreshToken":null}`},
	{"application/json", `{}`},
	{"application/json", `[]`},
	{"application/json", `"t"`},
	{"application/json", `{"refreshToken":"t"} {}`},
	{"application/json", `{"refreshToken":"t"`},
	{"application/json", ``},
	{"application/json", "\ufeff{\"refreshToken\":\"t\"}"},
	{"text/plain", `{"refreshToken":"t"}`},
	{"application/vnd.api+json", `{"refreshToken":"t"}`},
	{"", `{"refreshToken":"t"}`},
}

// FuzzValidJSONBodyAgreesWithTheValidator: the shortcut ValidateInput takes for a valid
// body never calls valid what libopenapi-validator's full check refuses.
func FuzzValidJSONBodyAgreesWithTheValidator(f *testing.F) {
	s, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	op, _ := s.Operation(RefreshOperationID)
	for _, seed := range bodySeeds {
		f.Add(seed.contentType, seed.body)
	}
	f.Fuzz(func(t *testing.T, contentType, body string) {
		req := func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/api/v1/auth/refresh-token", strings.NewReader(body))
			if contentType != "" {
				r.Header.Set("Content-Type", contentType)
			}
			return r
		}
		r := req()
		fast := s.validJSONBody(r, op)
		if rest, _ := io.ReadAll(r.Body); string(rest) != body {
			t.Fatalf("the body left readable is %q, want %q", rest, body)
		}
		full, errs := s.validator.GetRequestBodyValidator().ValidateRequestBodyWithPathItem(req(), op.item, op.Path)
		if fast && !full {
			t.Fatalf("Content-Type %q, body %q: the shortcut says valid, the validator says %v", contentType, body, errs)
		}
	})
}

// The shortcut is taken for the bodies clients send, so that valid requests are cheap.
func TestValidJSONBodyRecognisesValidBodies(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	op, _ := s.Operation(RefreshOperationID)
	for _, seed := range bodySeeds[:6] {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/auth/refresh-token", strings.NewReader(seed.body))
		r.Header.Set("Content-Type", seed.contentType)
		if !s.validJSONBody(r, op) {
			t.Errorf("Content-Type %q, body %s: not recognised as valid", seed.contentType, seed.body)
		}
		if errs := s.ValidateInput(r, op); len(errs) > 0 {
			t.Errorf("Content-Type %q, body %s: %v", seed.contentType, seed.body, errs)
		}
	}
}
