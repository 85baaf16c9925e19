package token_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/appmaker/refresh-conformance/internal/forged"
	"github.com/appmaker/refresh-conformance/mock/token"
)

var (
	testKey = []byte("a test key of thirty-two bytes..")
	t0      = time.Date(2026, 12, 7, 12, 0, 0, 500, time.UTC)
	holder  = token.Holder{SessionID: "sess-1", Sub: "user-1", Org: "org-1", SessionExpiresAt: t0.Add(30 * 24 * time.Hour)}
)

func newMinter(t *testing.T, key []byte) *token.Minter {
	t.Helper()
	m, err := token.NewMinter(token.Config{Key: key, Issuer: "appmaker-mock", AccessTTL: 15 * time.Minute, RefreshTTL: 7 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A minted pair verifies as its own type only, with the claims the README documents.
func TestMintedPairVerifies(t *testing.T) {
	m := newMinter(t, testKey)
	p, err := m.First(holder, t0)
	if err != nil {
		t.Fatal(err)
	}
	access, err := m.VerifyAccess(p.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if access.Sid != holder.SessionID || access.Subject != holder.Sub || access.Org != holder.Org || access.Issuer != "appmaker-mock" ||
		!access.ExpiresAt.Equal(t0.Add(15*time.Minute).Truncate(time.Second)) || access.ID == "" {
		t.Errorf("access claims: %+v", access)
	}
	refresh, err := m.VerifyRefresh(p.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if refresh.Sid != holder.SessionID || refresh.Gen != 1 || refresh.ID == "" || !refresh.ExpiresAt.Equal(p.RefreshExpiresAt) {
		t.Errorf("refresh claims: %+v", refresh)
	}
	if _, err := m.VerifyAccess(p.RefreshToken); !errors.Is(err, token.ErrWrongType) {
		t.Errorf("a refresh token as access token: %v, want ErrWrongType", err)
	}
	if _, err := m.VerifyRefresh(p.AccessToken); !errors.Is(err, token.ErrWrongType) {
		t.Errorf("an access token as refresh token: %v, want ErrWrongType", err)
	}
}

// No refresh token outlives its session.
func TestRefreshExpiryIsCappedBySession(t *testing.T) {
	m := newMinter(t, testKey)
	h := holder
	h.SessionExpiresAt = t0.Add(time.Hour)
	p, err := m.First(h, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !p.RefreshExpiresAt.Equal(t0.Add(time.Hour).Truncate(time.Second)) {
		t.Errorf("refresh expiry %v, want the session's end %v", p.RefreshExpiresAt, h.SessionExpiresAt)
	}
}

// A successor is the same pair every time for the same predecessor and key (the grace
// window's replay, on any replica), and differs for another predecessor or key.
func TestSuccessorIsDeterministic(t *testing.T) {
	a, b := newMinter(t, testKey), newMinter(t, testKey)
	pred := token.HashOf("the predecessor")
	p1, err := a.Successor(holder, 2, t0, pred)
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := b.Successor(holder, 2, t0, pred)
	if p1 != p2 {
		t.Error("two minters with one key derived different successors")
	}
	other, _ := a.Successor(holder, 2, t0, token.HashOf("another predecessor"))
	otherKey, _ := newMinter(t, []byte("another key")).Successor(holder, 2, t0, pred)
	if other.RefreshToken == p1.RefreshToken || otherKey.RefreshToken == p1.RefreshToken {
		t.Error("successors of different predecessors or keys are equal")
	}
	if c, _ := a.VerifyRefresh(p1.RefreshToken); c == nil || c.Gen != 2 {
		t.Errorf("successor generation: %+v", c)
	}
}

// RFC 8725 §3.1: only HS256 with the mock's key verifies; every forgery is refused.
func TestForgeriesAreRefused(t *testing.T) {
	m := newMinter(t, testKey)
	p, _ := m.First(holder, t0)
	for _, tok := range []string{p.AccessToken, p.RefreshToken} {
		variants, err := forged.Variants(tok, testKey)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range variants {
			if _, err := m.VerifyAccess(v.Token); err == nil {
				t.Errorf("VerifyAccess accepted %s", v.Name)
			}
			if _, err := m.VerifyRefresh(v.Token); err == nil {
				t.Errorf("VerifyRefresh accepted %s", v.Name)
			}
		}
	}
	// Re-signed with the key, a claim change is a real signature: the type check decides.
	retyped, _ := forged.WithClaim(p.AccessToken, testKey, "typ", token.TypeRefresh)
	if _, err := m.VerifyRefresh(retyped); err != nil {
		t.Errorf("a token re-signed with the key and typ refresh: %v (it is a real signature)", err)
	}
}

// The key and the random source are injected: a seeded source gives the same tokens.
func TestRandomSourceIsInjected(t *testing.T) {
	mint := func() token.Pair {
		m, err := token.NewMinter(token.Config{Random: bytes.NewReader(bytes.Repeat([]byte{7}, 256)), AccessTTL: time.Minute, RefreshTTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		p, err := m.First(holder, t0)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if mint() != mint() {
		t.Error("the same random source gave different tokens")
	}
	if _, err := token.NewMinter(token.Config{Random: bytes.NewReader(nil)}); err == nil {
		t.Error("an exhausted random source: no error drawing the key")
	}
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(mint().AccessToken, claims); err != nil || claims["alg"] != nil {
		t.Errorf("payload: %v %v", claims, err)
	}
}
