// Package mock is a reference server for the AppMaker API document: the refresh-token operation
// with real semantics in memory, every other operation from the document's examples and schemas,
// and a /__mock/ control plane (clock, faults, events, fixtures). A test double, not an identity provider.
package mock
