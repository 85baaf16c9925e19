package mock_test

import (
	"testing"

	"github.com/appmaker/refresh-conformance/mock"
)

// --auth presence accepts any credential, but an Authorization header that names Bearer
// and carries no token is none (RFC 6750 §2.1): a frontend that sends "Bearer " with an
// empty variable must see 401 invalid_credentials, as from a real server, unless it also
// sends x-access-token.
func TestPresenceRefusesAnEmptyBearerAlone(t *testing.T) {
	h := newHarness(t, mock.WithAuth(mock.AuthPresence))
	s := h.session()
	body := `{"refreshToken":"` + s.RefreshToken + `"}`
	wantStatus(t, h.do(h.request("application/json", body, "Authorization", "Bearer")), 401, mock.CodeInvalidCredentials)
	wantStatus(t, h.do(h.request("application/json", body, "Authorization", "Bearer", "x-access-token", "anything")), 201, "")
}
