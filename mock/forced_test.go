package mock_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/appmaker/refresh-conformance/mock"
)

// A forced answer has the body of its status, as the document shapes it: a 400 is
// {"validationError": {...}} naming what asked for it, a 401 is {"apiError": [...]}.
// A frontend parses the body by status; a 401 shaped like a 400 breaks its error path.
func TestAForcedAnswerHasTheBodyOfItsStatus(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	body := `{"refreshToken":"` + s.RefreshToken + `"}`

	a := h.do(h.request("application/json", body, "Authorization", "Bearer "+s.AccessToken, "Prefer", "code=400"))
	wantStatus(t, a, 400, mock.CodeForced)
	if fields := a.validationFields(t); len(fields["Prefer"]) != 1 || !strings.Contains(fields["Prefer"][0], "400") {
		t.Errorf("forced 400: body %s, want a validationError naming Prefer", a.body)
	}

	a = h.do(h.request("application/json", body, "Authorization", "Bearer "+s.AccessToken, "Prefer", "code=401"))
	wantStatus(t, a, 401, mock.CodeForced)
	var unauthorized struct {
		APIError        []string       `json:"apiError"`
		ValidationError map[string]any `json:"validationError"`
	}
	if err := json.Unmarshal(a.body, &unauthorized); err != nil || len(unauthorized.APIError) != 1 || unauthorized.ValidationError != nil {
		t.Errorf("forced 401: body %s, want {\"apiError\": [one message]}", a.body)
	}
}

// A ValidationFailure, as a Go caller of the mock sees it, names every field and what is
// wrong with it, fields in order, so the text is the same on every run.
func TestAValidationFailureNamesEveryFieldInOrder(t *testing.T) {
	err := &mock.ValidationFailure{Fields: map[string][]string{
		"refreshToken": {"is required", "must be a string"},
		"body":         {"is not valid JSON"},
	}}
	want := "invalid request: body: is not valid JSON, refreshToken: is required; must be a string"
	if got := err.Error(); got != want {
		t.Errorf("Error() = %q\nwant      %q", got, want)
	}
}
