// Package answer builds the mock's generic answers to a document's operations, the ones
// other than the refresh: bodies and headers from their examples and schemas, with
// libopenapi's renderer. It is the only part of the mock that walks libopenapi's model.
//
// Its API is plain (spec's types, bytes, http.Header) and Generator is an interface, so
// that the mock, which holds one, and the mock's importers do not compile libopenapi's
// types (docs/PERFORMANCE.md, "Compile time").
package answer
