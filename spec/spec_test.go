package spec_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/appmaker/refresh-conformance/spec"
)

func TestEmbeddedIsTheSharedDocumentVerbatim(t *testing.T) {
	shared, err := os.ReadFile("../../shared/spec/" + spec.EmbeddedFile)
	if err != nil {
		t.Skipf("the shared copy is not next to this checkout (%v); nothing to compare against", err)
	}
	if !bytes.Equal(shared, spec.Embedded()) {
		t.Fatal("spec/" + spec.EmbeddedFile + " differs from ../shared/spec: copy it again byte for byte")
	}
}

func TestLoadExposesTheRefreshOperation(t *testing.T) {
	s, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	op, ok := s.Operation(spec.RefreshOperationID)
	if !ok {
		t.Fatal("operation refreshToken not found")
	}
	if op.Method != http.MethodPost || op.Path != "/auth/refresh-token" {
		t.Errorf("operation is %s, want POST /auth/refresh-token", op)
	}
	if got := op.Statuses(); !slices.Equal(got, []string{"201", "400", "401"}) {
		t.Errorf("statuses = %v", got)
	}
	for _, code := range []int{201, 400, 401} {
		if !op.DeclaresStatus(code) || !slices.Equal(op.ResponseMediaTypes(code), []string{"application/json"}) {
			t.Errorf("status %d: declared=%v media=%v", code, op.DeclaresStatus(code), op.ResponseMediaTypes(code))
		}
	}
	if op.DeclaresStatus(200) || op.DeclaresStatus(500) {
		t.Error("200 and 500 are not declared")
	}
	if !slices.Equal(op.RequestMediaTypes(), []string{"application/json"}) || !op.RequestBodyRequired() {
		t.Errorf("request: %v required=%v", op.RequestMediaTypes(), op.RequestBodyRequired())
	}
	sec := op.Security()
	if len(sec) != 2 || sec[0][0].Scheme != "bearer" || sec[1][0].In != "header" || sec[1][0].Param != "x-access-token" {
		t.Errorf("security = %+v", sec)
	}
	if got := s.LocalBasePath(); got != "/api/v1" {
		t.Errorf("LocalBasePath = %q, want /api/v1", got)
	}
	if len(s.Servers()) != 3 {
		t.Errorf("servers = %+v", s.Servers())
	}
}

func TestBrokenDocumentsFailWithTheProblemAndItsLine(t *testing.T) {
	cases := map[string]struct{ doc, want string }{
		"malformed JSON": {"{\"openapi\":\"3.0.3\",\n\"info\": {\n \"title\": \"x\",, }", "L3"},
		"dangling $ref": {"{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"x\",\"version\":\"1\"},\n\"paths\":{\"/a\":{\"post\":{\n" +
			"\"responses\":{\"200\":{\"$ref\":\"#/components/responses/Nope\"}}}}}}", "line 3"},
		"swagger 2": {`{"swagger":"2.0","info":{"title":"x","version":"1"},"paths":{}}`, "only OpenAPI 3.x"},
		"empty":     {"", "empty"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "doc.json")
			if err := os.WriteFile(path, []byte(c.doc), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := spec.LoadFile(path)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error = %v, want it to name %s and contain %q", err, path, c.want)
			}
		})
	}
}

func TestValidateResponseCatchesWhatTheValidatorLetsThrough(t *testing.T) {
	s, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	op, _ := s.Operation(spec.RefreshOperationID)
	cases := []struct {
		name   string
		status int
		ct     string
		body   string
		valid  bool
	}{
		{"201 with both tokens", 201, "application/json", `{"accessToken":"a","refreshToken":"b"}`, true},
		{"201 missing refreshToken", 201, "application/json", `{"accessToken":"a"}`, false},
		{"201 number token", 201, "application/json", `{"accessToken":1,"refreshToken":"b"}`, false},
		{"201 empty body", 201, "application/json", ``, false},
		{"200 undeclared", 200, "application/json", `{"accessToken":"a","refreshToken":"b"}`, false},
		{"201 text/plain", 201, "text/plain", `ok`, false},
		{"401 apiError list", 401, "application/json", `{"apiError":["no"]}`, true},
		{"401 apiError string", 401, "application/json", `{"apiError":"no"}`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "http://example.test/api/v1/auth/refresh-token", nil)
			rec := httptest.NewRecorder()
			rec.Header().Set("Content-Type", c.ct)
			rec.WriteHeader(c.status)
			rec.WriteString(c.body)
			errs := s.ValidateResponse(req, op, rec.Result())
			if (len(errs) == 0) != c.valid {
				t.Fatalf("valid = %v, want %v (errors: %v)", len(errs) == 0, c.valid, errs)
			}
		})
	}
}
