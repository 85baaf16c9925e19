package mock_test

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/mock/session"
	"github.com/appmaker/refresh-conformance/mock/token"
)

func TestRotationIssuesANewPairThatRefreshesAgain(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	first := h.refresh(s.AccessToken, s.RefreshToken)
	wantStatus(t, first, http.StatusCreated, "")
	p := first.pair(t)
	if p.RefreshToken == s.RefreshToken || p.AccessToken == s.AccessToken {
		t.Fatal("rotation answered the tokens it was given")
	}
	second := h.refresh(p.AccessToken, p.RefreshToken)
	wantStatus(t, second, http.StatusCreated, "")
	if got := h.storedSession(s.SessionID).Generation; got != 3 {
		t.Errorf("generation after two rotations = %d, want 3", got)
	}
}

func TestTokensCarryTheDocumentedClaims(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	p := h.refresh(s.AccessToken, s.RefreshToken).pair(t)
	now := epoch.Unix()
	access, refresh := claims(t, p.AccessToken), claims(t, p.RefreshToken)
	for name, want := range map[string]any{"iss": mock.DefaultIssuer, "sub": s.Sub, "org": s.Org, "sid": s.SessionID,
		"typ": "access", "iat": float64(now), "nbf": float64(now), "exp": float64(now + int64(mock.DefaultAccessTTL.Seconds()))} {
		if access[name] != want {
			t.Errorf("access %s = %v, want %v", name, access[name], want)
		}
	}
	for name, want := range map[string]any{"sub": s.Sub, "sid": s.SessionID, "typ": "refresh", "gen": float64(2),
		"iat": float64(now), "exp": float64(now + int64(mock.DefaultRefreshTTL.Seconds()))} {
		if refresh[name] != want {
			t.Errorf("refresh %s = %v, want %v", name, refresh[name], want)
		}
	}
	for _, c := range []map[string]any{access, refresh} {
		jti, _ := c["jti"].(string)
		if raw, err := base64.RawURLEncoding.DecodeString(jti); err != nil || len(raw) < 16 {
			t.Errorf("jti %q carries fewer than 128 bits", jti)
		}
	}
}

func TestStoreKeepsNoToken(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	p := h.refresh(s.AccessToken, s.RefreshToken).pair(t)
	dump := fmt.Sprintf("%+v", h.storedSession(s.SessionID))
	for _, tok := range []string{s.AccessToken, s.RefreshToken, p.AccessToken, p.RefreshToken} {
		if strings.Contains(dump, tok) {
			t.Fatal("the store holds a token in clear")
		}
	}
	if h.storedSession(s.SessionID).Current != token.HashOf(p.RefreshToken) {
		t.Error("the store does not key the current token by its SHA-256")
	}
}

// Step 1: credentials come first, before the body is even looked at.
func TestCredentials(t *testing.T) {
	t.Run("missing", func(t *testing.T) {
		h := newHarness(t)
		wantStatus(t, h.do(h.request("application/json", `{"refreshToken":"x"}`)), 401, mock.CodeMissingCredentials)
	})
	t.Run("missing beats a broken body", func(t *testing.T) {
		h := newHarness(t)
		wantStatus(t, h.do(h.request("text/plain", `nope`)), 401, mock.CodeMissingCredentials)
	})
	t.Run("basic scheme", func(t *testing.T) {
		h := newHarness(t)
		wantStatus(t, h.do(h.request("application/json", `{"refreshToken":"x"}`, "Authorization", "Basic dTpw")), 401, mock.CodeInvalidCredentials)
	})
	t.Run("bearer not signed by the mock", func(t *testing.T) {
		h := newHarness(t)
		s := h.session()
		wantStatus(t, h.refresh("not-a-jwt", s.RefreshToken), 401, mock.CodeInvalidCredentials)
	})
	t.Run("refresh token as bearer", func(t *testing.T) {
		h := newHarness(t)
		s := h.session()
		wantStatus(t, h.refresh(s.RefreshToken, s.RefreshToken), 401, mock.CodeInvalidCredentials)
	})
	t.Run("x-access-token header", func(t *testing.T) {
		h := newHarness(t)
		s := h.session()
		a := h.do(h.request("application/json", `{"refreshToken":"`+s.RefreshToken+`"}`, "x-access-token", s.AccessToken))
		wantStatus(t, a, 201, "")
	})
	t.Run("an access token of an earlier rotation still refreshes", func(t *testing.T) {
		h := newHarness(t)
		s := h.session()
		p := h.refresh(s.AccessToken, s.RefreshToken).pair(t)
		wantStatus(t, h.refresh(s.AccessToken, p.RefreshToken), 201, "")
	})
	t.Run("expired access token still refreshes", func(t *testing.T) {
		h := newHarness(t)
		s := h.session()
		h.clock.Advance(mock.DefaultAccessTTL + time.Hour)
		wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 201, "")
	})
	t.Run("presence accepts any bearer", func(t *testing.T) {
		h := newHarness(t, mock.WithAuth(mock.AuthPresence))
		s := h.session()
		wantStatus(t, h.refresh("anything", s.RefreshToken), 201, "")
	})
	t.Run("presence still needs one", func(t *testing.T) {
		h := newHarness(t, mock.WithAuth(mock.AuthPresence))
		wantStatus(t, h.do(h.request("application/json", `{"refreshToken":"x"}`)), 401, mock.CodeMissingCredentials)
	})
	t.Run("off needs none", func(t *testing.T) {
		h := newHarness(t, mock.WithAuth(mock.AuthOff))
		s := h.session()
		wantStatus(t, h.do(h.request("application/json", `{"refreshToken":"`+s.RefreshToken+`"}`)), 201, "")
	})
}

// Step 2: a body the document does not accept is a 400 that names the field.
func TestInvalidBodiesAnswer400NamingTheField(t *testing.T) {
	cases := []struct {
		name, contentType, body, field string
	}{
		{"no body", "application/json", ``, "body"},
		{"malformed JSON", "application/json", `{"refreshToken":`, "body"},
		{"top-level array", "application/json", `["x"]`, "body"},
		{"top-level string", "application/json", `"x"`, "body"},
		{"top-level number", "application/json", `42`, "body"},
		{"empty object", "application/json", `{}`, "refreshToken"},
		{"token is a number", "application/json", `{"refreshToken":1}`, "refreshToken"},
		{"token is a boolean", "application/json", `{"refreshToken":true}`, "refreshToken"},
		{"token is null", "application/json", `{"refreshToken":null}`, "refreshToken"},
		{"token is an array", "application/json", `{"refreshToken":["x"]}`, "refreshToken"},
		{"token is an object", "application/json", `{"refreshToken":{}}`, "refreshToken"},
		{"text/plain", "text/plain", `{"refreshToken":"x"}`, "Content-Type"},
		{"no content type", "", `{"refreshToken":"x"}`, "Content-Type"},
		{"over 64 KiB", "application/json", `{"refreshToken":"` + strings.Repeat("a", mock.MaxBodyBytes) + `"}`, "body"},
	}
	h := newHarness(t)
	s := h.session()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := h.do(h.request(c.contentType, c.body, "Authorization", "Bearer "+s.AccessToken))
			wantStatus(t, a, 400, mock.CodeValidationFailed)
			fields := a.validationFields(t)
			if len(fields[c.field]) == 0 || fields[c.field][0] == "" {
				t.Fatalf("400 body %s does not name %q", a.body, c.field)
			}
		})
	}
	// None of them touched the session.
	wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 201, "")
}

func TestBodyMessagesSayWhatIsWrong(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	a := h.do(h.request("application/json", `{"refreshToken":1}`, "Authorization", "Bearer "+s.AccessToken))
	if got := a.validationFields(t)["refreshToken"]; len(got) != 1 || got[0] != "must be a string, got number" {
		t.Errorf("message = %q", got)
	}
	a = h.do(h.request("application/json", `{}`, "Authorization", "Bearer "+s.AccessToken))
	if got := a.validationFields(t)["refreshToken"]; len(got) != 1 || got[0] != "is required" {
		t.Errorf("message = %q", got)
	}
}

// Step 3: only refresh tokens this mock issued are considered.
func TestForeignRefreshTokensAnswer401(t *testing.T) {
	h := newHarness(t)
	s := h.session()
	other := newHarness(t, mock.WithRandom(rand.NewChaCha8([32]byte{8}))) // another key
	foreign := other.session()
	noneAlg := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sid": s.SessionID, "gen": 1, "typ": "refresh"})
	unsigned, err := noneAlg.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(s.RefreshToken, ".")
	for name, tok := range map[string]string{
		"garbage":                 "garbage",
		"empty":                   "",
		"signed by another key":   foreign.RefreshToken,
		"alg none":                unsigned,
		"an access token":         s.AccessToken,
		"tampered payload":        parts[0] + "." + parts[1] + "x." + parts[2],
		"one megabyte of letters": strings.Repeat("a", 60<<10),
	} {
		t.Run(name, func(t *testing.T) {
			wantStatus(t, h.refresh(s.AccessToken, tok), 401, mock.CodeInvalidRefreshToken)
		})
	}
	wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 201, "")
}

// Step 4: expiry follows the mock's clock.
func TestExpiry(t *testing.T) {
	t.Run("idle lifetime", func(t *testing.T) {
		h := newHarness(t)
		s := h.session()
		h.clock.Advance(mock.DefaultRefreshTTL)
		wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 401, mock.CodeRefreshTokenExpired)
	})
	t.Run("idle lifetime slides on rotation", func(t *testing.T) {
		h := newHarness(t)
		s := h.session()
		access, refresh := s.AccessToken, s.RefreshToken
		for range 3 { // 18 days in all, each step inside the 7-day idle lifetime
			h.clock.Advance(6 * 24 * time.Hour)
			p := h.refresh(access, refresh).pair(t)
			access, refresh = p.AccessToken, p.RefreshToken
		}
	})
	t.Run("at the exp claim's second, also when the clock is between seconds", func(t *testing.T) {
		// A token states its expiry in whole seconds; the session must not outlive it by
		// the fraction the clock had when the token was minted.
		h := newHarness(t)
		h.clock.Advance(700 * time.Millisecond)
		s := h.session()
		for _, c := range []struct {
			token     string
			expiresAt time.Time
		}{{s.AccessToken, s.AccessTokenExpiresAt}, {s.RefreshToken, s.RefreshTokenExpiresAt}} {
			if exp := time.Unix(int64(claims(t, c.token)["exp"].(float64)), 0); !c.expiresAt.Equal(exp) {
				t.Errorf("POST /__mock/sessions answers an expiry of %v for a token whose exp claim says %v", c.expiresAt, exp)
			}
		}
		h.clock.Advance(time.Hour + 200*time.Millisecond)
		p := h.refresh(s.AccessToken, s.RefreshToken).pair(t) // minted at 09:00:00.9 + 1h
		exp := time.Unix(int64(claims(t, p.RefreshToken)["exp"].(float64)), 0)
		if want := epoch.Add(time.Hour + mock.DefaultRefreshTTL); !exp.Equal(want) {
			t.Fatalf("refresh exp %v, want %v", exp, want)
		}
		h.clock.Advance(exp.Sub(h.clock.Now()))
		wantStatus(t, h.refresh(p.AccessToken, p.RefreshToken), 401, mock.CodeRefreshTokenExpired)
	})
	t.Run("absolute lifetime", func(t *testing.T) {
		h := newHarness(t, mock.WithTTLs(0, 0, 10*24*time.Hour))
		s := h.session()
		h.clock.Advance(6 * 24 * time.Hour)
		p := h.refresh(s.AccessToken, s.RefreshToken).pair(t)
		if exp := claims(t, p.RefreshToken)["exp"]; exp != float64(epoch.Add(10*24*time.Hour).Unix()) {
			t.Errorf("refresh exp %v does not stop at the session's end", exp)
		}
		h.clock.Advance(4 * 24 * time.Hour)
		wantStatus(t, h.refresh(p.AccessToken, p.RefreshToken), 401, mock.CodeRefreshTokenExpired)
	})
}

// Step 6: a rotated token presented again revokes the session (RFC 6749 §10.4).
func TestReuse(t *testing.T) {
	t.Run("revokes the session", func(t *testing.T) {
		h := newHarness(t)
		s := h.session()
		p := h.refresh(s.AccessToken, s.RefreshToken).pair(t)
		wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 401, mock.CodeRefreshTokenReused)
		wantStatus(t, h.refresh(p.AccessToken, p.RefreshToken), 401, mock.CodeSessionRevoked)
		if got := h.storedSession(s.SessionID).RevokedReason; got != session.RevokedReuse {
			t.Errorf("revoked reason = %q", got)
		}
	})
	t.Run("inside the grace window answers the same pair", func(t *testing.T) {
		h := newHarness(t, mock.WithReuseGrace(2*time.Second))
		s := h.session()
		p := h.refresh(s.AccessToken, s.RefreshToken).pair(t)
		h.clock.Advance(1500 * time.Millisecond)
		again := h.refresh(s.AccessToken, s.RefreshToken).pair(t)
		if again != p {
			t.Fatal("the grace replay answered a different pair")
		}
		wantStatus(t, h.refresh(p.AccessToken, p.RefreshToken), 201, "")
	})
	t.Run("after the grace window is reuse", func(t *testing.T) {
		h := newHarness(t, mock.WithReuseGrace(2*time.Second))
		s := h.session()
		p := h.refresh(s.AccessToken, s.RefreshToken).pair(t)
		h.clock.Advance(2 * time.Second)
		wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 401, mock.CodeRefreshTokenReused)
		wantStatus(t, h.refresh(p.AccessToken, p.RefreshToken), 401, mock.CodeSessionRevoked)
	})
	t.Run("grace covers only the previous generation", func(t *testing.T) {
		h := newHarness(t, mock.WithReuseGrace(time.Minute))
		s := h.session()
		p := h.refresh(s.AccessToken, s.RefreshToken).pair(t)
		wantStatus(t, h.refresh(p.AccessToken, p.RefreshToken), 201, "")
		wantStatus(t, h.refresh(s.AccessToken, s.RefreshToken), 401, mock.CodeRefreshTokenReused)
	})
}
