package version

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	recorded := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/appmaker/refresh-conformance", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "feedface"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	installed := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.3.0"}}
	tests := map[string]struct {
		version, commit string
		bi              *debug.BuildInfo
		want            Info
	}{
		"stamped wins over the record": {"v1.2.3", "0123abc", recorded, Info{Version: "v1.2.3", Commit: "0123abc", Go: "go1.26.8"}},
		"not stamped: the vcs record":  {"", "", recorded, Info{Version: "(devel)", Commit: "feedface", Modified: true, Go: "go1.26.8"}},
		"go install module@version":    {"", "", installed, Info{Version: "v0.3.0", Go: "go1.26.8"}},
		"only a version stamped":       {"v1.2.3", "", recorded, Info{Version: "v1.2.3", Commit: "feedface", Modified: true, Go: "go1.26.8"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := resolve(tt.version, tt.commit, tt.bi); got != tt.want {
				t.Errorf("resolve = %+v, want %+v", got, tt.want)
			}
		})
	}
	if got := resolve("", "", nil); got.Version != "(devel)" || got.Commit != "" {
		t.Errorf("no build info: %+v, want (devel) and no commit", got)
	}
}

func TestStringNamesVersionAndCommit(t *testing.T) {
	s := Info{Version: "v1.2.3", Commit: "0123abc", Modified: true, Go: "go1.26.8"}.String()
	for _, want := range []string{"v1.2.3", "commit 0123abc+modified", "go1.26.8"} {
		if !strings.Contains(s, want) {
			t.Errorf("%q does not contain %q", s, want)
		}
	}
	if s := (Info{Version: "(devel)"}).String(); !strings.Contains(s, "commit unknown") {
		t.Errorf("%q should say the commit is unknown", s)
	}
}
