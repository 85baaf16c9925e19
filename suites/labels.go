package suites

// Labels of the specs; choose with --label-filter (e.g. --label-filter=safe on production).
const (
	// Safe specs use up no valid refresh token: fit for production.
	Safe = "safe"
	// ConsumesToken specs use up a refresh token of a session of their own.
	ConsumesToken = "consumes-token"
	// Semantics specs check rules beyond the document: rotation and reuse (RFC 6749 §6
	// and §10.4, RFC 9700 §4.14).
	Semantics = "semantics"
	// Generated specs are derived from the loaded document: every operation, negative
	// and positive requests, and the methods each path does not declare.
	Generated = "generated"
	// MockOnly is reserved for specs that hold only for the embedded mock.
	MockOnly = "mock-only"
)
