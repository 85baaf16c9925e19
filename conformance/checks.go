package conformance

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/appmaker/refresh-conformance/spec"
)

// Where the rules of the refresh semantics are written.
const (
	rfcRotation = "RFC 9700 §4.14.2; RFC 6749 §6"
	rfcReuse    = "RFC 6749 §10.4; RFC 9700 §4.14.2"
)

func responseLocation(c *Client, status string) string {
	return OperationLocation(c.target.Operation) + ".responses." + status
}

// CheckRefresh sends the valid refresh of refreshToken presenting cred, and checks the
// answer: 201, both tokens as non-empty strings, the access token a signed JWT (the
// document's bearerFormat). It returns the new pair.
func CheckRefresh(ctx context.Context, c *Client, cred Credential, refreshToken string) (spec.TokenPair, error) {
	ex, err := c.Send(ctx, RefreshCall(cred, refreshToken))
	if err != nil {
		return spec.TokenPair{}, err
	}
	if err := statusIs(c.redactor, ex, 201, "a valid refresh answers 201", responseLocation(c, "201")); err != nil {
		return spec.TokenPair{}, err
	}
	return CheckRefreshAnswer(ex, c.redactor)
}

// tokenPair reads a 201 body, or says what is wrong with it without quoting a value.
func tokenPair(body []byte) (spec.TokenPair, string) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return spec.TokenPair{}, "the body is not a JSON object"
	}
	var pair spec.TokenPair
	for name, dst := range map[string]*string{"accessToken": &pair.AccessToken, "refreshToken": &pair.RefreshToken} {
		raw, ok := fields[name]
		if !ok {
			return spec.TokenPair{}, name + " is missing"
		}
		if json.Unmarshal(raw, dst) != nil {
			return spec.TokenPair{}, fmt.Sprintf("%s is a JSON %s, not a string", name, jsonKind(raw))
		}
		if *dst == "" {
			return spec.TokenPair{}, name + " is empty"
		}
	}
	return pair, ""
}

func jsonKind(raw json.RawMessage) string {
	var v any
	_ = json.Unmarshal(raw, &v)
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "string"
}

// CheckRotation refreshes pair, checks that the refresh token answered is new, and that
// the new pair refreshes again.
func CheckRotation(ctx context.Context, c *Client, pair spec.TokenPair) error {
	next, err := CheckRefresh(ctx, c, Bearer(pair.AccessToken), pair.RefreshToken)
	if err != nil {
		return err
	}
	if next.RefreshToken == pair.RefreshToken {
		return newFailure(c.redactor, nil, "a refresh answers a new refresh token", rfcRotation,
			"the refresh token answered is the one that was sent")
	}
	_, err = CheckRefresh(ctx, c, Bearer(next.AccessToken), next.RefreshToken)
	return inStep(err, "refreshing with the new pair")
}

// CheckCredentialsRequired sends a valid refresh of pair without any credential and
// expects 401.
func CheckCredentialsRequired(ctx context.Context, c *Client, pair spec.TokenPair) error {
	ex, err := c.Send(ctx, RefreshCall(NoCredential, pair.RefreshToken))
	if err != nil {
		return err
	}
	return statusIs(c.redactor, ex, 401, "a request without credentials is refused",
		"security (bearerAuth or accessToken); "+responseLocation(c, "401"))
}

// inStep says in which step of a check a failure happened.
func inStep(err error, step string) error {
	if f, ok := err.(*Failure); ok {
		g := *f
		g.Seen = step + ": " + f.Seen
		return &g
	}
	if err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	return nil
}
