package mock_test

import (
	"os"
	"strings"
	"testing"

	"github.com/appmaker/refresh-conformance/mock"
)

// FuzzParseFixtures feeds arbitrary files to the --fixtures reader: an error that names
// the file, or fixtures that keep every rule ParseFixtures promises; never a panic.
func FuzzParseFixtures(f *testing.F) {
	example, err := os.ReadFile("../docs/fixtures.example.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(example))
	f.Add(`{"sessions":[{"name":"a","sub":"s","org":"o","refreshToken":"r","accessToken":"t"}]}`)
	f.Add("sessions:\n  - sub: a\n    org: b\n    refreshToken: x\n  - sub: c\n    org: d\n    refreshToken: x\n")
	f.Add("sessions: [")
	f.Add("")
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := mock.ParseFixtures("f.yaml", []byte(raw))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fixtures: f.yaml: ") {
				t.Fatalf("the error does not name the file: %v", err)
			}
			return
		}
		names, tokens := map[string]bool{}, map[string]bool{}
		for i, fx := range got {
			if fx.Sub == "" || fx.Org == "" || fx.RefreshToken == "" {
				t.Fatalf("fixture %d accepted without sub, org or refreshToken: %+v", i, fx)
			}
			if fx.Name != "" {
				if names[fx.Name] || len(fx.Name) > 64 || strings.ContainsAny(fx.Name, " /?#%") {
					t.Fatalf("fixture %d accepted with name %q", i, fx.Name)
				}
				names[fx.Name] = true
			}
			for _, tok := range []string{fx.RefreshToken, fx.AccessToken} {
				if tok == "" {
					continue
				}
				if tokens[tok] || len(tok) > mock.MaxFixtureToken || strings.IndexFunc(tok, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
					t.Fatalf("fixture %d accepted with a token that is reused, too long or has a space or control character", i)
				}
				tokens[tok] = true
			}
		}
	})
}
