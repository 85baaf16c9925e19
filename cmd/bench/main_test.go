package main

import (
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

// TestHelpSaysWhatIsMeasured: --help is where a newcomer learns what make bench compares.
func TestHelpSaysWhatIsMeasured(t *testing.T) {
	var stderr strings.Builder
	err := run(context.Background(), []string{"--help"}, &strings.Builder{}, &stderr)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("run --help = %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"minting reference", "-rounds", "-generator", "6 minutes", "--diagnostics=false", "Redis store", "./proxy"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("--help lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestRunRefusesSettingsThatCannotMeasure(t *testing.T) {
	for _, args := range [][]string{
		{"--rounds", "0"},
		{"--pool", "10", "--connections", "50"},
		{"extra"},
	} {
		if err := run(context.Background(), args, &strings.Builder{}, &strings.Builder{}); err == nil {
			t.Errorf("run %q: no error, want the settings refused before anything is built", args)
		}
	}
}
