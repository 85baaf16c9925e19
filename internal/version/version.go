package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Stamped at link time by `make dist`:
//
//	-X github.com/appmaker/refresh-conformance/internal/version.version=v1.2.3
//	-X github.com/appmaker/refresh-conformance/internal/version.commit=<git commit>
//
// They are the only package-level variables here, and the linker is the only writer.
var (
	version string
	commit  string
)

// Info is what a binary knows of its own build.
type Info struct {
	Version  string // a tag such as v1.2.3, a `git describe` string, or "(devel)"
	Commit   string // the full commit, "" when unknown
	Modified bool   // built from a work tree with uncommitted changes (only known from the toolchain's record)
	Go       string // the toolchain, e.g. go1.26.8
}

// Get returns the stamped version and commit, falling back to the toolchain's record
// (`go build` in a git work tree records vcs.revision; `go install module@version` records the version).
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return resolve(version, commit, bi)
}

func resolve(stampedVersion, stampedCommit string, bi *debug.BuildInfo) Info {
	info := Info{Version: stampedVersion, Commit: stampedCommit, Go: runtime.Version()}
	if bi == nil {
		if info.Version == "" {
			info.Version = "(devel)"
		}
		return info
	}
	if bi.GoVersion != "" {
		info.Go = bi.GoVersion
	}
	if info.Version == "" {
		info.Version = bi.Main.Version
	}
	if info.Version == "" {
		info.Version = "(devel)"
	}
	if info.Commit == "" {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Commit = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	return info
}

// String is one line for --version: "appmaker-mock v1.2.3 (commit 0123abc, go1.26.8 linux/amd64)".
func (i Info) String() string {
	commit := i.Commit
	if commit == "" {
		commit = "unknown"
	}
	if i.Modified {
		commit += "+modified"
	}
	return fmt.Sprintf("%s (commit %s, %s %s/%s)", i.Version, commit, i.Go, runtime.GOOS, runtime.GOARCH)
}
