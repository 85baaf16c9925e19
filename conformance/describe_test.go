package conformance_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/appmaker/refresh-conformance/conformance"
	"github.com/appmaker/refresh-conformance/spec"
)

// answered is an exchange of the refresh operation answered status with body as JSON.
func answered(t *testing.T, status int, body string) *conformance.Exchange {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://server.test/api/v1/auth/refresh-token", strings.NewReader(`{"refreshToken":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp := &http.Response{StatusCode: status, Status: http.StatusText(status), Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader([]byte(body))), Request: req}
	return &conformance.Exchange{Request: req, RequestBody: []byte(`{"refreshToken":"x"}`), Response: resp, Body: []byte(body)}
}

// A body that breaks the schema is reported with each of the schema's reasons, the
// property it is about in front: what a QA engineer reads to find the broken field.
func TestASchemaFailureNamesEachReasonAndItsProperty(t *testing.T) {
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	op, ok := doc.Operation(spec.RefreshOperationID)
	if !ok {
		t.Fatal("the refresh operation is not in the document")
	}
	err = conformance.Validate(doc, op, answered(t, http.StatusCreated, `{"accessToken":5}`), conformance.NewRedactor())
	if err == nil {
		t.Fatal("a 201 with a number for accessToken and no refreshToken passed")
	}
	msg := err.Error()
	for _, want := range []string{
		`answered Created with body {"accessToken":5}: `,
		"(missing property 'refreshToken'; accessToken: got number, want string)",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("the failure lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "()") {
		t.Errorf("the failure shows an empty list of reasons:\n%s", msg)
	}
}

// A body the validator cannot read as JSON at all has no schema reasons; the failure
// says why it could not be read instead.
func TestAnUnreadableBodyIsReportedWithTheValidatorsReason(t *testing.T) {
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	op, _ := doc.Operation(spec.RefreshOperationID)
	err = conformance.Validate(doc, op, answered(t, http.StatusCreated, `{"accessToken":`), conformance.NewRedactor())
	if err == nil {
		t.Fatal("a 201 with a truncated JSON body passed")
	}
	if want := "failed to validate schema (The response body cannot be decoded: "; !strings.Contains(err.Error(), want) {
		t.Errorf("the failure lacks %q:\n%s", want, err)
	}
}

// A request without any credential is reported with both alternatives the document
// offers, each with the validator's reason.
func TestAMissingCredentialNamesBothAlternatives(t *testing.T) {
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	op, _ := doc.Operation(spec.RefreshOperationID)
	ex := answered(t, http.StatusCreated, `{}`)
	err = conformance.ValidateRequest(doc, op, ex, conformance.NewRedactor())
	if err == nil {
		t.Fatal("a request without a credential passed")
	}
	for _, want := range []string{"Authorization header for 'bearer' scheme (", "x-access-token not found in header ("} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the failure lacks %q:\n%s", want, err)
		}
	}
}

// The body in a failure is shown whole up to 200 characters, cut with "…" beyond, and an
// empty one is named as such.
func TestAFailureShowsTheBodyUpTo200Characters(t *testing.T) {
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	op, _ := doc.Operation(spec.RefreshOperationID)
	// {"accessToken":"aaa…"} is 18 characters around the letters; no refreshToken, so invalid.
	for _, c := range []struct {
		body, want string
	}{
		{"", "answered Created with an empty body: "},
		{`{"accessToken":"` + strings.Repeat("a", 182) + `"}`, `"}: `},
		{`{"accessToken":"` + strings.Repeat("a", 183) + `"}`, `"…: `},
	} {
		err := conformance.Validate(doc, op, answered(t, http.StatusCreated, c.body), conformance.NewRedactor())
		if err == nil {
			t.Fatalf("a 201 with body %q passed", c.body)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%d characters: the failure lacks %q:\n%s", len(c.body), c.want, err)
		}
	}
}
