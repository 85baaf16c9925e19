package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

// The diagnostics flags, their defaults and their environment variables.
func TestDiagnosticsFlags(t *testing.T) {
	o, err := parseFlags(nil, io.Discard)
	if err != nil || !o.diagnostics || o.raceWindow != 2*time.Second || o.stormLimit.String() != "5/1m" {
		t.Fatalf("defaults: %+v, %v", o, err)
	}
	t.Setenv("APPMAKER_MOCK_DIAGNOSTICS", "false")
	t.Setenv("APPMAKER_MOCK_RACE_WINDOW", "500ms")
	t.Setenv("APPMAKER_MOCK_STORM_LIMIT", "10/30s")
	o, err = parseFlags([]string{"--race-window", "3s"}, io.Discard)
	if err != nil || o.diagnostics || o.raceWindow != 3*time.Second || o.stormLimit.String() != "10/30s" {
		t.Fatalf("from the environment, the command line winning: %+v, %v", o, err)
	}
	for _, c := range []struct {
		args []string
		env  string
		want string
	}{
		{args: []string{"--race-window", "0s"}, want: "--race-window 0s: want a duration above 0"},
		{args: []string{"--storm-limit", "often"}, want: "want <count>/<window>, such as 5/1m"},
		{env: "ten", want: `APPMAKER_MOCK_STORM_LIMIT="ten"`},
	} {
		if c.env != "" {
			t.Setenv("APPMAKER_MOCK_STORM_LIMIT", c.env)
		}
		if _, err := parseFlags(c.args, io.Discard); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %s: error %v, want one saying %q", c.args, c.env, err, c.want)
		}
	}
}
