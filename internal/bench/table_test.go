package bench

import (
	"strings"
	"testing"
)

func TestStraddleWarnsOnlyWhenRoundsFallOnBothSides(t *testing.T) {
	for _, c := range []struct {
		rounds []float64
		warn   bool
	}{
		{[]float64{0.61, 0.65, 0.70}, false},
		{[]float64{0.50, 0.55, 0.59}, false},
		{[]float64{0.58, 0.60, 0.62}, true},
		{[]float64{0.599, 0.7}, true},
		{[]float64{0.6}, false},
	} {
		if got := straddle(c.rounds, 0.6) != ""; got != c.warn {
			t.Errorf("rounds %v: warned %v, want %v", c.rounds, got, c.warn)
		}
	}
}

// TestRatioTextNeverRoundsUpToTheTarget: a ratio just under the target must not print as
// the target next to "missed".
func TestRatioTextNeverRoundsUpToTheTarget(t *testing.T) {
	if got := ratioText(0.5999); got != "0.599" {
		t.Errorf("ratioText(0.5999) = %q, want 0.599", got)
	}
	if got := list([]float64{0.6, 0.6129}); !strings.Contains(got, "0.600, 0.612") {
		t.Errorf("list = %q, want 0.600, 0.612", got)
	}
}
