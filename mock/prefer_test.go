package mock_test

import (
	"strings"
	"testing"

	"github.com/appmaker/refresh-conformance/mock"
)

// Prefer, read as Prism reads it: a valid request may ask for one of the operation's
// declared answers instead of its semantics.
func TestPreferAnswersADeclaredStatusOnTheRefresh(t *testing.T) {
	cases := []struct {
		prefer string
		status int
		code   string
	}{
		{"code=401", 401, mock.CodeForced},
		{"code=400", 400, mock.CodeForced},
		{`code="401"`, 401, mock.CodeForced},
		{"return=minimal, code=401", 401, mock.CodeForced},
		{"code=400; respond-async", 400, mock.CodeForced},
	}
	for _, c := range cases {
		t.Run(c.prefer, func(t *testing.T) {
			h := newHarness(t)
			s := h.session()
			a := h.do(h.request("application/json", `{"refreshToken":"`+s.RefreshToken+`"}`, "Authorization", "Bearer "+s.AccessToken, "Prefer", c.prefer))
			wantStatus(t, a, c.status, c.code)
			if !strings.Contains(a.header.Get("Preference-Applied"), "code=") {
				t.Errorf("Preference-Applied = %q", a.header.Get("Preference-Applied"))
			}
			if h.storedSession(s.SessionID).Generation != 1 {
				t.Error("a preferred error answer rotated the session")
			}
			wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 201, "")
		})
	}
}

func TestPreferOfAnUndeclaredCodeSaysWhatIsDeclared(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	for _, prefer := range []string{"code=418", "code=500", "code=abc"} {
		a := h.do(h.request("application/json", `{"refreshToken":"`+s.RefreshToken+`"}`, "Authorization", "Bearer "+s.AccessToken, "Prefer", prefer))
		wantStatus(t, a, 400, mock.CodeValidationFailed)
		msgs := a.validationFields(t)["Prefer"]
		if len(msgs) != 1 || (!strings.Contains(msgs[0], "declared: 201, 400, 401") && !strings.Contains(msgs[0], "not an HTTP status")) {
			t.Errorf("%s: Prefer messages = %v", prefer, msgs)
		}
	}
}

// The request is validated first, as Prism does: a preference does not hide a bad request.
func TestPreferComesAfterValidation(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	wantStatus(t, h.do(h.request("application/json", `{"refreshToken":"`+s.RefreshToken+`"}`, "Prefer", "code=400")), 401, mock.CodeMissingCredentials)
	a := h.do(h.request("application/json", `{}`, "Authorization", "Bearer "+s.AccessToken, "Prefer", "code=401"))
	wantStatus(t, a, 400, mock.CodeValidationFailed)
	if _, ok := a.validationFields(t)["refreshToken"]; !ok {
		t.Errorf("fields = %v", a.validationFields(t))
	}
}

// A 201 comes only from a real rotation: preferring it is the same as not preferring.
func TestPreferOfTheSuccessRunsTheRefresh(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	a := h.do(h.request("application/json", `{"refreshToken":"`+s.RefreshToken+`"}`, "Authorization", "Bearer "+s.AccessToken, "Prefer", "code=201"))
	wantStatus(t, a, 201, "")
	a.pair(t)
	a = h.do(h.request("application/json", `{"refreshToken":"`+s.RefreshToken+`"}`, "Authorization", "Bearer "+s.AccessToken, "Prefer", "code=201"))
	wantStatus(t, a, 401, mock.CodeRefreshTokenReused)
}
