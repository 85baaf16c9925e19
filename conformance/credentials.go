package conformance

import (
	"context"

	"github.com/appmaker/refresh-conformance/internal/forged"
	"github.com/appmaker/refresh-conformance/spec"
)

const ruleForgedCredential = "a credential no server issued is refused"

// ForgedCredential is an access token no server issued (internal/forged's catalogue),
// presented in one credential scheme.
type ForgedCredential struct {
	Name    string
	forgery int
	present func(string) Credential
}

// Make forges the credential from real, a real access token whose claims it borrows.
func (f ForgedCredential) Make(real string) Credential {
	return f.present(forged.Credentials(real)[f.forgery].Token)
}

// ForgedCredentials are every forgery of forged.Credentials, each as Authorization: Bearer
// and as x-access-token.
func ForgedCredentials() []ForgedCredential {
	var out []ForgedCredential
	for i, f := range forged.Credentials("") {
		out = append(out,
			ForgedCredential{f.Name + " as Authorization: Bearer", i, Bearer},
			ForgedCredential{f.Name + " as x-access-token", i, AccessTokenHeader})
	}
	return out
}

// CheckForgedCredentialRefused refreshes pair's valid refresh token presenting the forged
// credential instead of pair's access token, and expects 401. spent says the server took
// the refresh token (answered 201): that session is used up.
func CheckForgedCredentialRefused(ctx context.Context, c *Client, pair spec.TokenPair, f ForgedCredential) (spent bool, err error) {
	return refusedSpending(ctx, c, RefreshCall(f.Make(pair.AccessToken), pair.RefreshToken), ruleForgedCredential)
}

// CheckRefreshTokenAsCredentialRefused presents pair's refresh token as the credential
// (as present makes it) with a valid refresh, and expects 401: a refresh token is not an
// access token. spent says the server took the refresh token.
func CheckRefreshTokenAsCredentialRefused(ctx context.Context, c *Client, pair spec.TokenPair, present func(string) Credential) (spent bool, err error) {
	return refusedSpending(ctx, c, RefreshCall(present(pair.RefreshToken), pair.RefreshToken),
		"a refresh token presented as the credential is refused")
}

// CheckAccessTokenAsRefreshRefused presents pair's access token both as the credential and
// as the refreshToken, and expects 401: an access token is not a refresh token. It sends
// no refresh token, so it uses up nothing.
func CheckAccessTokenAsRefreshRefused(ctx context.Context, c *Client, pair spec.TokenPair) error {
	ex, err := c.Send(ctx, RefreshCall(Bearer(pair.AccessToken), pair.AccessToken))
	if err != nil {
		return err
	}
	return statusIs(c.redactor, ex, 401, "an access token presented as the refreshToken is refused", responseLocation(c, "401"))
}

func refusedSpending(ctx context.Context, c *Client, call Call, rule string) (spent bool, err error) {
	ex, err := c.Send(ctx, call)
	if err != nil {
		return false, err
	}
	spent = ex.Response.StatusCode == 201
	return spent, statusIs(c.redactor, ex, 401, rule, "security (bearerAuth or accessToken); "+responseLocation(c, "401"))
}
