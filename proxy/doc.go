// Package proxy is a validation proxy: it stands between an app and a real server, forwards
// every request and answer unchanged, and judges each exchange of an operation the document
// declares, against the document (with the conformance package's rules and messages) and
// against the refresh rules seen across exchanges (rotation, reuse, spent tokens). What it
// finds goes to a Sink. It is not a mock and never makes up an answer, except when asked to
// (--strict) or when the upstream fails to give one.
package proxy
