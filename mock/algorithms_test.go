package mock_test

import (
	"net/http"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/appmaker/refresh-conformance/internal/forged"
	"github.com/appmaker/refresh-conformance/mock"
)

var algorithmsKey = []byte("the mock's HS256 key, known to the attacker here")

// variants is the one catalogue of forgeries, for token under the mock's key.
func variants(t *testing.T, token string) []forged.Forgery {
	t.Helper()
	v, err := forged.Variants(token, algorithmsKey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// RFC 8725 §3.1: the mock accepts only HS256, the algorithm it signs with. An access
// token re-signed with HS256 and the key is accepted (the forging works); every other
// header is refused, as a credential and as the refresh token, and a refused refresh
// token neither rotates nor revokes its session.
func TestOnlyHS256IsAccepted(t *testing.T) {
	h := newHarness(t, mock.WithSigningKey(algorithmsKey))

	t.Run("an access token re-signed with HS256 and the key is a credential", func(t *testing.T) {
		s := h.session()
		wantStatus(t, h.refresh(resign(s.AccessToken, jwt.SigningMethodHS256, algorithmsKey), s.RefreshToken), http.StatusCreated, "")
	})
	probe := h.session()
	for i, v := range variants(t, probe.AccessToken) {
		t.Run("credential: "+v.Name, func(t *testing.T) {
			s := h.session()
			wantStatus(t, h.refresh(variants(t, s.AccessToken)[i].Token, s.RefreshToken), http.StatusUnauthorized, mock.CodeInvalidCredentials)
			wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), http.StatusCreated, "")
		})
		t.Run("refresh token: "+v.Name, func(t *testing.T) {
			s := h.session()
			wantStatus(t, h.refresh(s.AccessToken, variants(t, s.RefreshToken)[i].Token), http.StatusUnauthorized, mock.CodeInvalidRefreshToken)
			wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), http.StatusCreated, "")
		})
	}
}
