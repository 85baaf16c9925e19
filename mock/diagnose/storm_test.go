package diagnose_test

import (
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock/diagnose"
)

func TestParseStormLimit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want diagnose.StormLimit
		err  string
	}{
		{in: "5/1m", want: diagnose.StormLimit{Count: 5, Window: time.Minute}},
		{in: " 20/30s ", want: diagnose.StormLimit{Count: 20, Window: 30 * time.Second}},
		{in: "1/1h30m", want: diagnose.StormLimit{Count: 1, Window: 90 * time.Minute}},
		{in: "5", err: `storm limit "5": want <count>/<window>, such as 5/1m`},
		{in: "", err: `want <count>/<window>`},
		{in: "x/1m", err: `count "x" is not a whole number above 0`},
		{in: "0/1m", err: `count "0" is not a whole number above 0`},
		{in: "-1/1m", err: `count "-1" is not a whole number above 0`},
		{in: "101/1m", err: `count 101 is over 100`},
		{in: "5/1", err: `window "1" is not a duration above 0, such as 30s, 1m or 1h`},
		{in: "5/m", err: `window "m" is not a duration`},
		{in: "5/0s", err: `window "0s" is not a duration above 0`},
		{in: "5/1m/2", err: `window "1m/2" is not a duration`},
	} {
		got, err := diagnose.ParseStormLimit(tc.in)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("ParseStormLimit(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseStormLimit(%q) error = %v; want one saying %q", tc.in, err, tc.err)
		}
	}
}

func TestStormLimitFlag(t *testing.T) {
	var limit diagnose.StormLimit
	fs := flag.NewFlagSet("mock", flag.ContinueOnError)
	fs.Var(&limit, "storm-limit", "rotations/window")
	if err := fs.Parse([]string{"--storm-limit", "10/2m"}); err != nil {
		t.Fatal(err)
	}
	if limit.String() != "10/2m" {
		t.Errorf("--storm-limit 10/2m gave %v", limit)
	}
	fs.SetOutput(new(strings.Builder))
	if err := fs.Parse([]string{"--storm-limit", "ten"}); err == nil || !strings.Contains(err.Error(), "such as 5/1m") {
		t.Errorf("--storm-limit ten: %v", err)
	}
}

// Whatever ParseStormLimit accepts is in range and reads back the same from its String.
func FuzzParseStormLimit(f *testing.F) {
	for _, s := range []string{"5/1m", "100/1h", "1/1ns", "5/1m0s", "x/y", "/", "9999999999999999999/1m", "5/-1m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := diagnose.ParseStormLimit(s)
		if err != nil {
			return
		}
		if l.Count < 1 || l.Count > diagnose.MaxStormCount || l.Window <= 0 {
			t.Fatalf("ParseStormLimit(%q) accepted %+v", s, l)
		}
		if again, err := diagnose.ParseStormLimit(l.String()); err != nil || again != l {
			t.Fatalf("%q: String %q reads back as %+v, %v", s, l.String(), again, err)
		}
	})
}
