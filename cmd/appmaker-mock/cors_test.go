package main

import (
	"io"
	"testing"
)

// --cors-credentials follows the flags' pattern: an environment fallback the command line overrides.
func TestCORSCredentialsFlagAndEnvironment(t *testing.T) {
	cases := []struct {
		env  string
		args []string
		want bool
	}{
		{"", nil, false},
		{"true", nil, true},
		{"", []string{"--cors-credentials"}, true},
		{"true", []string{"--cors-credentials=false"}, false},
	}
	for _, c := range cases {
		if c.env != "" {
			t.Setenv("APPMAKER_MOCK_CORS_CREDENTIALS", c.env)
		}
		o, err := parseFlags(c.args, io.Discard)
		if err != nil {
			t.Fatalf("env %q args %v: %v", c.env, c.args, err)
		}
		if o.corsCredentials != c.want {
			t.Errorf("env %q args %v: corsCredentials = %v, want %v", c.env, c.args, o.corsCredentials, c.want)
		}
	}
}
