package token

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
	TypeAccess  = "access"
	TypeRefresh = "refresh"
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

// Holder is whose tokens a pair is: a session, as the tokens name it.
type Holder struct {
	SessionID string
	Sub       string
	Org       string
	// SessionExpiresAt caps every refresh token's exp: no token outlives its session.
	SessionExpiresAt time.Time
}

// Pair is a freshly minted access and refresh token with their exp claims.
type Pair struct {
	AccessToken      string
	RefreshToken     string
	AccessExpiresAt  time.Time
	RefreshExpiresAt time.Time
}

// Config configures a Minter.
type Config struct {
	// Key is the HS256 key; empty draws a random 256-bit one.
	Key []byte
	// Random is the source of every random value (default crypto/rand).
	Random     io.Reader
	Issuer     string
	AccessTTL  time.Duration
	RefreshTTL time.Duration
}

// Minter signs and verifies the mock's tokens, HS256 only, and draws the mock's random
// ids. It is safe for concurrent use.
type Minter struct {
	key        []byte
	derive     []byte // keys the HMAC that derives a successor's ids from its predecessor
	randomMu   sync.Mutex
	random     io.Reader // an injected source (a seeded test reader) need not be safe for concurrent use
	issuer     string
	accessTTL  time.Duration
	refreshTTL time.Duration
	parser     *jwt.Parser
}

// NewMinter builds a Minter.
func NewMinter(cfg Config) (*Minter, error) {
	m := &Minter{key: cfg.Key, random: cfg.Random, issuer: cfg.Issuer, accessTTL: cfg.AccessTTL, refreshTTL: cfg.RefreshTTL}
	if m.random == nil {
		m.random = rand.Reader
	}
	if len(m.key) == 0 {
		m.key = make([]byte, 32)
		if _, err := io.ReadFull(m.random, m.key); err != nil {
			return nil, fmt.Errorf("token: draw signing key: %w", err)
		}
	}
	// Derived from the signing key, so that every replica sharing the key derives the same
	// successor for the same predecessor.
	mac := hmac.New(sha256.New, m.key)
	mac.Write([]byte("appmaker-mock successor ids"))
	m.derive = mac.Sum(nil)
	// RFC 8725 §3.1: accept only the algorithm we sign with, so "none" and algorithm
	// switching are refused. Expiry is checked by the refresh rules, against the mock's clock.
	m.parser = jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithoutClaimsValidation())
	return m, nil
}

// RandomID returns n random bytes as base64url without padding.
func (m *Minter) RandomID(n int) (string, error) {
	b := make([]byte, n)
	m.randomMu.Lock()
	_, err := io.ReadFull(m.random, b)
	m.randomMu.Unlock()
	if err != nil {
		return "", fmt.Errorf("token: draw random id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// First mints the first pair of a session, with random token ids.
func (m *Minter) First(h Holder, now time.Time) (Pair, error) {
	accessID, err := m.RandomID(16)
	if err != nil {
		return Pair{}, err
	}
	refreshID, err := m.RandomID(16)
	if err != nil {
		return Pair{}, err
	}
	return m.mint(h, 1, now, accessID, refreshID)
}

// Successor mints the pair of generation gen that replaces the refresh token whose hash
// is predecessor. Its token ids are the halves of HMAC(derived key, predecessor):
// unpredictable without the key, and the same every time, so that a grace-window replay
// of a rotation re-creates, byte for byte, the pair answered first, without any store
// keeping a token.
func (m *Minter) Successor(h Holder, gen int, now time.Time, predecessor Hash) (Pair, error) {
	mac := hmac.New(sha256.New, m.derive)
	mac.Write(predecessor[:])
	sum := mac.Sum(nil)
	return m.mint(h, gen, now, base64.RawURLEncoding.EncodeToString(sum[:16]), base64.RawURLEncoding.EncodeToString(sum[16:]))
}

func (m *Minter) mint(h Holder, gen int, now time.Time, accessID, refreshID string) (Pair, error) {
	// Expiries are whole seconds, as the exp claims state them. The refresh lifetime
	// slides from now but never past the session's end.
	p := Pair{
		AccessExpiresAt:  now.Add(m.accessTTL).Truncate(time.Second),
		RefreshExpiresAt: earliest(now.Add(m.refreshTTL), h.SessionExpiresAt).Truncate(time.Second),
	}
	iat := jwt.NewNumericDate(now)
	access := AccessClaims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: m.issuer, Subject: h.Sub, ExpiresAt: jwt.NewNumericDate(p.AccessExpiresAt),
			NotBefore: iat, IssuedAt: iat, ID: accessID},
		Org: h.Org, Sid: h.SessionID, Typ: TypeAccess,
	}
	refresh := RefreshClaims{
		RegisteredClaims: jwt.RegisteredClaims{Subject: h.Sub, ExpiresAt: jwt.NewNumericDate(p.RefreshExpiresAt), IssuedAt: iat, ID: refreshID},
		Sid:              h.SessionID, Gen: gen, Typ: TypeRefresh,
	}
	var err error
	if p.AccessToken, err = jwt.NewWithClaims(jwt.SigningMethodHS256, access).SignedString(m.key); err != nil {
		return Pair{}, fmt.Errorf("token: sign access token: %w", err)
	}
	if p.RefreshToken, err = jwt.NewWithClaims(jwt.SigningMethodHS256, refresh).SignedString(m.key); err != nil {
		return Pair{}, fmt.Errorf("token: sign refresh token: %w", err)
	}
	return p, nil
}

// ErrWrongType is a token this mock signed, of the other type.
var ErrWrongType = errors.New("token: wrong typ claim")

func (m *Minter) keyFunc(*jwt.Token) (any, error) { return m.key, nil }

// VerifyRefresh checks the signature and type of a refresh token and returns its claims.
// Its expiry is the refresh rules' business, by the mock's clock.
func (m *Minter) VerifyRefresh(tok string) (*RefreshClaims, error) {
	var c RefreshClaims
	if _, err := m.parser.ParseWithClaims(tok, &c, m.keyFunc); err != nil {
		return nil, err
	}
	if c.Typ != TypeRefresh || c.Sid == "" {
		return nil, ErrWrongType
	}
	return &c, nil
}

// VerifyAccess checks the signature and type of an access token and returns its claims.
func (m *Minter) VerifyAccess(tok string) (*AccessClaims, error) {
	var c AccessClaims
	if _, err := m.parser.ParseWithClaims(tok, &c, m.keyFunc); err != nil {
		return nil, err
	}
	if c.Typ != TypeAccess {
		return nil, ErrWrongType
	}
	return &c, nil
}

// ExpiresAt is the time of an exp claim, zero when there is none.
func ExpiresAt(c jwt.RegisteredClaims) time.Time {
	if c.ExpiresAt == nil {
		return time.Time{}
	}
	return c.ExpiresAt.Time
}

func earliest(a, b time.Time) time.Time {
	if !b.IsZero() && b.Before(a) {
		return b
	}
	return a
}
