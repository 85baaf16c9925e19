package mock

import (
	"crypto/hmac"
	"crypto/sha256"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func testMinter(t *testing.T) *Minter {
	t.Helper()
	m, err := newMinter(nil, rand.NewChaCha8([32]byte{9}), DefaultIssuer, DefaultAccessTTL, DefaultRefreshTTL)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// jwtParse is the reference: golang-jwt's parser with the Minter's rules.
func jwtParse(m *Minter, token string, claims jwt.Claims) error {
	_, err := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithoutClaimsValidation()).
		ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return m.key, nil })
	return err
}

func testSession(sub, org string) *Session {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	return &Session{ID: "AAAAAAAAAAAAAAAAAAAAAA", Sub: sub, Org: org, CreatedAt: now, ExpiresAt: now.Add(DefaultSessionTTL)}
}

// The mock's tokens are the ones golang-jwt would sign: it reads the same claims from
// them as the mock's own reader does, for plain and for awkward sub and org values.
func TestMintedTokensReadTheSameWithGolangJWT(t *testing.T) {
	m := testMinter(t)
	for _, s := range []*Session{
		testSession("user-1", "org-1"),
		testSession(`quote " back \ slash`, "<org> & \u00e9t\u00e9 \U0001F600"),
		testSession("", "\x01"),
	} {
		previous := HashToken("previous-token")
		for _, seed := range []*Hash{nil, &previous} {
			p, err := m.pairFor(s, 7, s.CreatedAt.Add(1500*time.Millisecond), seed)
			if err != nil {
				t.Fatal(err)
			}
			var wantA, gotA AccessClaims
			if err := jwtParse(m, p.AccessToken, &wantA); err != nil {
				t.Fatalf("golang-jwt refuses the access token: %v", err)
			}
			got, err := m.verifyAccess(p.AccessToken)
			if err != nil {
				t.Fatal(err)
			}
			gotA = *got
			if !reflect.DeepEqual(gotA, wantA) || gotA.Subject != s.Sub || gotA.Org != s.Org || gotA.Sid != s.ID {
				t.Errorf("access claims: mock reads %+v, golang-jwt %+v", gotA, wantA)
			}
			var wantR RefreshClaims
			if err := jwtParse(m, p.RefreshToken, &wantR); err != nil {
				t.Fatalf("golang-jwt refuses the refresh token: %v", err)
			}
			gotR, err := m.verifyRefresh(p.RefreshToken)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*gotR, wantR) || gotR.Gen != 7 || gotR.Typ != typRefresh {
				t.Errorf("refresh claims: mock reads %+v, golang-jwt %+v", *gotR, wantR)
			}
			if wantR.ID == "" || len(wantR.ID) < 22 {
				t.Errorf("refresh jti %q carries less than 128 bits", wantR.ID)
			}
		}
	}
}

// A token golang-jwt signs, with the mock's header or another valid one, is accepted
// with the same claims.
func TestTokensSignedByGolangJWTVerify(t *testing.T) {
	m := testMinter(t)
	iat := jwt.NewNumericDate(time.Unix(1767258000, 0))
	want := RefreshClaims{RegisteredClaims: jwt.RegisteredClaims{Subject: "u", ID: "j", IssuedAt: iat, ExpiresAt: iat},
		Sid: "s", Gen: 3, Typ: typRefresh}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, want)
	signed, err := tok.SignedString(m.key)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(signed, hs256Header+".") {
		t.Fatalf("golang-jwt's header is not the mock's: %s", signed)
	}
	tok.Header["kid"] = "other" // another header: golang-jwt's parser decides
	otherHeader, err := tok.SignedString(m.key)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{signed, otherHeader} {
		got, err := m.verifyRefresh(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("got %+v, want %+v", *got, want)
		}
	}
	// Claims the mock's reader does not know, or repeats, leave the token to encoding/json
	// after the reader has set some claims: the result is still golang-jwt's.
	for _, claims := range []jwt.MapClaims{
		{"sid": "s", "typ": typRefresh, "gen": 2, "exp": 1767258000, "zzz": 1},
		{"sid": "s", "typ": typRefresh, "gen": 2, "SID": "t"},
		{"sid": "s", "typ": typRefresh, "exp": 1767258000.5},
	} {
		signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(m.key)
		if err != nil {
			t.Fatal(err)
		}
		var ref RefreshClaims
		if err := jwtParse(m, signed, &ref); err != nil {
			t.Fatal(err)
		}
		got, err := m.verifyRefresh(signed)
		if err != nil {
			t.Fatalf("%v: %v", claims, err)
		}
		if !reflect.DeepEqual(*got, ref) {
			t.Errorf("%v: the mock reads %+v, golang-jwt %+v", claims, *got, ref)
		}
	}
}

// RFC 8725 §3.1 and §2.1: whatever is changed in a token, the mock accepts it exactly
// when golang-jwt does (a changed signature, an alg of none, other base64 spellings).
func TestVerifyDecidesAsGolangJWT(t *testing.T) {
	m := testMinter(t)
	p, err := m.pairFor(testSession("user-1", "org-1"), 1, time.Unix(1767258000, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	none := jwt.NewWithClaims(jwt.SigningMethodNone, RefreshClaims{Sid: "s", Typ: typRefresh})
	noneToken, err := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	tokens := []string{p.RefreshToken, p.AccessToken, noneToken, "", ".", "..", "a.b.c", p.RefreshToken + ".x", p.RefreshToken + "="}
	alphabet := "AQgw_-.=x"
	for i := range len(p.RefreshToken) {
		for _, c := range alphabet {
			if rune(p.RefreshToken[i]) != c {
				tokens = append(tokens, p.RefreshToken[:i]+string(c)+p.RefreshToken[i+1:])
			}
		}
	}
	for _, tok := range tokens {
		var ref RefreshClaims
		refErr := jwtParse(m, tok, &ref)
		var got RefreshClaims
		gotErr := m.verify(tok, &got)
		if (refErr == nil) != (gotErr == nil) {
			t.Fatalf("%q: golang-jwt says %v, the mock %v", tok, refErr, gotErr)
		}
		if refErr == nil && !reflect.DeepEqual(got, ref) {
			t.Fatalf("%q: the mock reads %+v, golang-jwt %+v", tok, got, ref)
		}
	}
}

// isAccess, which a refresh's credentials go through, accepts exactly the tokens
// verifyAccess accepts: changed tokens, refresh tokens, and signed payloads of every
// shape its own reader refuses and leaves to verifyAccess.
func TestIsAccessDecidesAsVerifyAccess(t *testing.T) {
	m := testMinter(t)
	p, err := m.pairFor(testSession("user-1", "org-1"), 1, time.Unix(1767258000, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	tokens := []string{p.AccessToken, p.RefreshToken, "", ".", "..", hs256Header, hs256Header + ".", hs256Header + "..",
		p.AccessToken + ".x", p.AccessToken + "="}
	for i := range len(p.AccessToken) {
		for _, c := range "AQgw_-.=x" {
			if rune(p.AccessToken[i]) != c {
				tokens = append(tokens, p.AccessToken[:i]+string(c)+p.AccessToken[i+1:])
			}
		}
	}
	for _, claims := range []jwt.MapClaims{
		{"sid": "s", "typ": typAccess},
		{"sid": "s", "typ": typAccess, "gen": 1},            // a refresh token's claim
		{"sid": "s", "typ": typAccess, "zzz": 1},            // an unknown claim
		{"sid": "s", "typ": typAccess, "exp": "tomorrow"},   // a claim of the wrong kind
		{"sid": "s", "typ": typAccess, "exp": 1767258000.5}, // a number flatjson leaves alone
		{"sid": "s", "typ": typRefresh},
		{"sid": "s", "typ": 1},
		{"sid": "s"},
		{"sid": "s", "typ": "Access"},
	} {
		for _, header := range []map[string]any{nil, {"kid": "other"}} {
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
			for k, v := range header {
				tok.Header[k] = v
			}
			signed, err := tok.SignedString(m.key)
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, signed)
		}
	}
	// Duplicate claims, which MapClaims cannot write.
	dup := hs256Header + "." + b64.EncodeToString([]byte(`{"typ":"refresh","typ":"access"}`))
	tokens = append(tokens, dup+"."+b64.EncodeToString(hmacSHA256(m.key, dup)))
	accepted := 0
	for _, tok := range tokens {
		_, err := m.verifyAccess(tok)
		if got := m.isAccess(tok); got != (err == nil) {
			t.Fatalf("%q: isAccess says %v, verifyAccess %v", tok, got, err)
		}
		if err == nil {
			accepted++
		}
	}
	if accepted < 4 {
		t.Fatalf("only %d of the tokens are access tokens: the test lost its positive cases", accepted)
	}
}

func TestDerivedIDsAreStableAndDistinct(t *testing.T) {
	m := testMinter(t)
	sc := m.getScratch()
	defer m.putScratch(sc)
	h1, h2 := HashToken("token-1"), HashToken("token-2")
	a1, r1 := m.derivedIDs(sc, &h1)
	a2, r2 := m.derivedIDs(sc, &h1)
	a3, _ := m.derivedIDs(sc, &h2)
	if a1 != a2 || r1 != r2 || a1 == r1 || a1 == a3 || len(a1) != 22 || len(r1) != 22 {
		t.Fatalf("derived ids: %q %q / %q %q / %q", a1, r1, a2, r2, a3)
	}
}

func hmacSHA256(key []byte, signed string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(signed))
	return h.Sum(nil)
}

// claimedSession reads the sid of every token pairFor mints, and nothing from a token of
// another shape: a refresh of those goes the verified way.
func TestClaimedSessionReadsTheSidOfMintedTokensOnly(t *testing.T) {
	m := testMinter(t)
	s := testSession("user-1", "org-1")
	s.ID = "q-_Zx9AAAAAAAAAAAAAAAw" // every base64url character class
	for _, sess := range []*Session{s, testSession("", "")} {
		p, err := m.pairFor(sess, 1, sess.CreatedAt, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{p.AccessToken, p.RefreshToken} {
			if sid, ok := m.claimedSession(tok); !ok || sid != sess.ID {
				t.Errorf("claimedSession = %q, %v; want %q", sid, ok, sess.ID)
			}
		}
	}
	encode := func(payload string) string { return hs256Header + "." + b64.EncodeToString([]byte(payload)) + ".sig" }
	for _, tok := range []string{
		"",
		"not a token",
		hs256Header + ".",
		encode(`{"sid":"AAAAAAAAAAAAAAAAAAAAAA"}`)[:len(hs256Header)+40], // cut inside the sid
		encode(`{"sid":"AAAAAAAAAAAAAAAAAAAAA","typ":"refresh"}`),        // 21 characters
		encode(`{"sid":"AAAAAAAAAAAAAAAAAAAAAAA","typ":"refresh"}`),      // 23 characters
		encode(`{"typ":"refresh","sid":"AAAAAAAAAAAAAAAAAAAAAA"}`),       // sid not first
		encode(`{ "sid":"AAAAAAAAAAAAAAAAAAAAAA","typ":"refresh"}`),      // not pairFor's spelling
		"eyJhbGciOiJIUzM4NCIsInR5cCI6IkpXVCJ9." + b64.EncodeToString([]byte(`{"sid":"AAAAAAAAAAAAAAAAAAAAAA","x":1}`)) + ".sig",
		hs256Header + "." + strings.Repeat("!", 60),
	} {
		if sid, ok := m.claimedSession(tok); ok {
			t.Errorf("claimedSession(%q) = %q, want none", tok, sid)
		}
	}
}
