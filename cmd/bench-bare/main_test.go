package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// post sends one refresh-shaped request to url and returns the status and the pair.
func post(t *testing.T, url string) (int, map[string]string) {
	t.Helper()
	resp, err := http.Post(url+"/api/v1/auth/refresh-token", "application/json", strings.NewReader(`{"refreshToken":"b"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type %q, want application/json", got)
	}
	var pair map[string]string
	if err := json.Unmarshal(raw, &pair); err != nil {
		t.Fatalf("body %q: %v", raw, err)
	}
	return resp.StatusCode, pair
}

func TestAnswerIsTheFixedPair(t *testing.T) {
	srv := httptest.NewServer(answer())
	defer srv.Close()
	status, pair := post(t, srv.URL)
	if status != http.StatusCreated || pair["accessToken"] != "a" || pair["refreshToken"] != "b" || len(pair) != 2 {
		t.Fatalf("got %d %v, want 201 {accessToken: a, refreshToken: b}", status, pair)
	}
}

// TestMintSignsAFreshPairPerRequest: the minting reference must do its work on every
// request, or it would be a bare server with longer tokens.
func TestMintSignsAFreshPairPerRequest(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	srv := httptest.NewServer(mint(key))
	defer srv.Close()
	seen := map[string]bool{}
	for range 3 {
		status, pair := post(t, srv.URL)
		if status != http.StatusCreated {
			t.Fatalf("status %d, want 201", status)
		}
		claims := &jwt.RegisteredClaims{}
		if _, err := jwt.ParseWithClaims(pair["accessToken"], claims, func(*jwt.Token) (any, error) { return key, nil },
			jwt.WithValidMethods([]string{"HS256"})); err != nil {
			t.Fatalf("access token does not verify with the key: %v", err)
		}
		if claims.Subject == "" || claims.ExpiresAt == nil || claims.IssuedAt == nil {
			t.Errorf("claims %+v: want sub, exp and iat", claims)
		}
		if len(pair["refreshToken"]) < 20 || seen[pair["refreshToken"]] {
			t.Errorf("refresh token %q: want a new random one per request", pair["refreshToken"])
		}
		seen[pair["refreshToken"]] = true
	}
}
