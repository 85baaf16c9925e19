// Package cputime is the process CPU clock the in-process benchmarks report as
// cpu-ns/op. It imports nothing of this module, so a package's benchmarks can use it
// without making `go test` rebuild that package's dependents for the test binary.
package cputime
