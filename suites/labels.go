package suites

// Labels of the specs; choose with --label-filter (e.g. --label-filter=safe on production).
const (
	// Safe specs send no valid refresh token: fit for production.
	Safe = "safe"
	// SendsToken specs send a valid refresh token only beside a credential or in a place
	// that must be refused: on a correct server they use up nothing, and all of them share
	// one session; a server that wrongly accepts one uses that session up.
	SendsToken = "sends-token"
	// ConsumesToken specs use up a refresh token of a session of their own.
	ConsumesToken = "consumes-token"
	// Semantics specs check rules beyond the document: rotation, reuse, grace windows and
	// races (RFC 6749 §6 and §10.4, RFC 9700 §4.14).
	Semantics = "semantics"
	// WaitsGrace specs wait out the declared grace window (CONFORMANCE_REUSE_GRACE).
	WaitsGrace = "waits-grace"
	// Generated specs are derived from the loaded document: every operation, negative
	// and positive requests, and the methods each path does not declare.
	Generated = "generated"
	// MockOnly is reserved for specs that hold only for the embedded mock.
	MockOnly = "mock-only"
)
