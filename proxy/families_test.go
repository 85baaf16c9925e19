package proxy

import (
	"fmt"
	"testing"
)

func TestFamiliesRememberAtMostMaxTokensAndForgetTheOldestFirst(t *testing.T) {
	fs := newFamilies(3)
	for i := range 10 {
		f := fingerprintOf(fmt.Sprint("token-", i))
		fs.present(f, uint64(i+1))
		fs.release(f)
		if got := fs.len(); got > 3 {
			t.Fatalf("after %d tokens %d are remembered, want at most 3", i+1, got)
		}
	}
	// token-9 is remembered: spent, then presented again, it is reported.
	nine := fingerprintOf("token-9")
	fs.answered(&nine, "access", "token-10", 11)
	if _, found := fs.present(nine, 12); found == nil || found.rule != RuleSpentTokenPresented {
		t.Fatalf("a remembered spent token presented again was not reported: %+v", found)
	}
	// token-0 was forgotten: nothing is known of it, so nothing is reported.
	if _, found := fs.present(fingerprintOf("token-0"), 13); found != nil {
		t.Fatalf("a forgotten token was reported: %+v", found)
	}
}

func TestAFingerprintShowsNoToken(t *testing.T) {
	const token = "not-a-token-0123456789abcdef"
	if s := fingerprintOf(token).String(); len(s) != len("sha256:")+16 || s == token {
		t.Fatalf("fingerprint %q", s)
	}
}
