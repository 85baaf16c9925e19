// Package bench holds what `make bench` is built from: the load generator, the bare
// reference server and the run that measures the mock against it. It is not part of the
// mock.
package bench
