package spec

// The Go shapes of the refresh operation's request and response bodies, mirroring
// components.requestBodies, components.responses and components.schemas. The mock
// writes them and the suites decode them; nothing else re-types the document.

// RefreshTokenRequest is components.requestBodies.RefreshTokenRequest.
type RefreshTokenRequest struct {
	RefreshToken string `json:"refreshToken"`
}

// TokenPair is the body of components.responses.RefreshTokenResponse (201).
type TokenPair struct {
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
}

// ValidationErrorBody is the body of components.responses.ValidationErrorResponse (400).
// The document leaves validationError open; its keys name the offending field and
// each value lists messages about it.
type ValidationErrorBody struct {
	ValidationError map[string][]string `json:"validationError"`
}

// UnauthorizedError is components.schemas.UnauthorizedError (401).
type UnauthorizedError struct {
	APIError []string `json:"apiError"`
}
