package mock

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Token types, carried in the typ claim so that one kind cannot stand in for the other.
const (
	typAccess  = "access"
	typRefresh = "refresh"
)

// AccessClaims are the claims of an access token.
type AccessClaims struct {
	jwt.RegisteredClaims
	Org string `json:"org"`
	Sid string `json:"sid"`
	Typ string `json:"typ"`
}

// RefreshClaims are the claims of a refresh token.
type RefreshClaims struct {
	jwt.RegisteredClaims
	Sid string `json:"sid"`
	Gen int    `json:"gen"`
	Typ string `json:"typ"`
}

// Pair is a freshly minted access and refresh token with their expiries.
type Pair struct {
	AccessToken      string
	RefreshToken     string
	AccessExpiresAt  time.Time
	RefreshExpiresAt time.Time
}

// Minter signs and verifies the mock's tokens (HS256 only) and draws every random
// value the mock uses. It is the only place besides clock.go that touches randomness.
type Minter struct {
	key        []byte
	derive     []byte     // keys the HMAC that derives a successor's ids from its predecessor
	randomMu   sync.Mutex // an injected source (a seeded test reader) need not be safe for concurrent use
	random     io.Reader
	issuer     string
	accessTTL  time.Duration
	refreshTTL time.Duration
	parser     *jwt.Parser
}

// newMinter builds a Minter. An empty key draws a random 256-bit one from random.
func newMinter(key []byte, random io.Reader, issuer string, accessTTL, refreshTTL time.Duration) (*Minter, error) {
	if random == nil {
		random = rand.Reader
	}
	m := &Minter{key: key, random: random, issuer: issuer, accessTTL: accessTTL, refreshTTL: refreshTTL, derive: make([]byte, 32)}
	if len(m.key) == 0 {
		m.key = make([]byte, 32)
		if _, err := io.ReadFull(random, m.key); err != nil {
			return nil, fmt.Errorf("mock: draw signing key: %w", err)
		}
	}
	if _, err := io.ReadFull(random, m.derive); err != nil {
		return nil, fmt.Errorf("mock: draw derivation key: %w", err)
	}
	// RFC 8725 §3.1: accept only the algorithm we sign with, so "none" and algorithm switching are refused.
	m.parser = jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithoutClaimsValidation())
	return m, nil
}

// randomID returns n random bytes, base64url without padding.
func (m *Minter) randomID(n int) (string, error) {
	b := make([]byte, n)
	m.randomMu.Lock()
	_, err := io.ReadFull(m.random, b)
	m.randomMu.Unlock()
	if err != nil {
		return "", fmt.Errorf("mock: draw random id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// derivedID is 128 bits of HMAC(derive, label || seed): unpredictable without the key,
// and the same every time for the same seed, so a grace-window replay of a rotation
// re-creates the very pair it answered first without the store keeping any token.
func (m *Minter) derivedID(label, seed string) string {
	h := hmac.New(sha256.New, m.derive)
	h.Write([]byte(label))
	h.Write([]byte(seed))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16])
}

// pairFor mints the pair of generation gen of session s at time now. jtiSeed decides the
// token ids: "" draws fresh random ones, anything else derives them from the seed.
func (m *Minter) pairFor(s *Session, gen int, now time.Time, jtiSeed string) (Pair, error) {
	accessID, refreshID := "", ""
	if jtiSeed == "" {
		var err error
		if accessID, err = m.randomID(16); err != nil {
			return Pair{}, err
		}
		if refreshID, err = m.randomID(16); err != nil {
			return Pair{}, err
		}
	} else {
		accessID, refreshID = m.derivedID("access:", jtiSeed), m.derivedID("refresh:", jtiSeed)
	}
	// The refresh lifetime slides from now but never past the session's absolute end.
	p := Pair{AccessExpiresAt: now.Add(m.accessTTL), RefreshExpiresAt: minTime(now.Add(m.refreshTTL), s.ExpiresAt)}
	iat := jwt.NewNumericDate(now)
	access := AccessClaims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: m.issuer, Subject: s.Sub, ID: accessID,
			IssuedAt: iat, NotBefore: iat, ExpiresAt: jwt.NewNumericDate(p.AccessExpiresAt)},
		Org: s.Org, Sid: s.ID, Typ: typAccess,
	}
	refresh := RefreshClaims{
		RegisteredClaims: jwt.RegisteredClaims{Subject: s.Sub, ID: refreshID,
			IssuedAt: iat, ExpiresAt: jwt.NewNumericDate(p.RefreshExpiresAt)},
		Sid: s.ID, Gen: gen, Typ: typRefresh,
	}
	var err error
	if p.AccessToken, err = m.sign(access); err != nil {
		return Pair{}, err
	}
	if p.RefreshToken, err = m.sign(refresh); err != nil {
		return Pair{}, err
	}
	return p, nil
}

func (m *Minter) sign(claims jwt.Claims) (string, error) {
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(m.key)
	if err != nil {
		return "", fmt.Errorf("mock: sign token: %w", err)
	}
	return tok, nil
}

func (m *Minter) keyFunc(*jwt.Token) (any, error) { return m.key, nil }

var errWrongType = errors.New("token has the wrong typ claim")

// verifyRefresh checks the signature and type of a refresh token; expiry is the
// caller's business, against the mock's clock.
func (m *Minter) verifyRefresh(token string) (*RefreshClaims, error) {
	var c RefreshClaims
	if _, err := m.parser.ParseWithClaims(token, &c, m.keyFunc); err != nil {
		return nil, err
	}
	if c.Typ != typRefresh || c.Sid == "" {
		return nil, errWrongType
	}
	return &c, nil
}

// verifyAccess checks the signature and type of an access token.
func (m *Minter) verifyAccess(token string) (*AccessClaims, error) {
	var c AccessClaims
	if _, err := m.parser.ParseWithClaims(token, &c, m.keyFunc); err != nil {
		return nil, err
	}
	if c.Typ != typAccess {
		return nil, errWrongType
	}
	return &c, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
