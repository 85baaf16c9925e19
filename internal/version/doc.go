// Package version tells which build of a binary is running: the version and commit that
// `make dist` stamps with -ldflags, or else what the Go toolchain recorded in the binary.
// It is not a release process: tags and checksums are the Makefile's business.
package version
