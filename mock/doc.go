// Package mock is a reference server for the AppMaker refresh-token operation: it routes
// from the OpenAPI document, validates every request with libopenapi-validator and then
// implements refresh semantics in memory (signed tokens, one-time rotation, reuse detection
// that revokes the session, expiry, a grace window). It is a test double, not an identity provider.
package mock
