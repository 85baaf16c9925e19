// Package spec loads the AppMaker OpenAPI document (embedded, or from a file) once
// and exposes what the mock and the conformance suite need from it: operations by
// operationId, their declared statuses and media types, server base paths, and validation.
package spec
