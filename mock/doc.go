// Package mock is a reference server for the AppMaker API document: the refresh-token
// operation with real semantics in memory (signed tokens, one-time rotation, reuse detection
// that revokes the session, expiry, a grace window), every other operation of the document
// answered from its examples and schemas, and a control plane under /__mock/ through which
// a frontend's tests move the clock, inject faults and watch what happened. It is a test
// double, not an identity provider.
package mock
