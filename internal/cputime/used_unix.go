//go:build unix

package cputime

import (
	"syscall"
	"time"
)

// Used is the CPU time the process has used so far, user and system, every thread
// (garbage collection included). On a machine that other work shares, per-operation CPU
// time stays put where wall time per operation does not.
func Used() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
