package mock

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/appmaker/refresh-conformance/internal/flatjson"
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

// hs256Header is the encoded JOSE header of every token the mock signs: golang-jwt writes
// {"alg":"HS256","typ":"JWT"} for HS256, so the tokens are the ones it would sign.
const hs256Header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"

var b64 = base64.RawURLEncoding

// Minter signs and verifies the mock's tokens (HS256 only) and draws every random
// value the mock uses. It is the only place besides clock.go that touches randomness.
//
// Signing and verifying are on every refresh, so they avoid golang-jwt's reflection and
// per-call HMAC setup: payloads are written directly, and keyed HMACs are reused from a
// pool. Tokens with the mock's own header take that path; any other token goes to
// golang-jwt's parser, which decides exactly as before.
type Minter struct {
	key        []byte
	derive     []byte     // keys the HMAC that derives a successor's ids from its predecessor
	randomMu   sync.Mutex // an injected source (a seeded test reader) need not be safe for concurrent use
	random     io.Reader
	issuer     string
	accessTTL  time.Duration
	refreshTTL time.Duration
	parser     *jwt.Parser
	scratch    sync.Pool // of *scratch
}

// scratch is per-call working memory: keyed HMACs and buffers, reused through a pool.
type scratch struct {
	sign, derive hash.Hash
	payload, out []byte
	sum          [sha256.Size]byte
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
	m.scratch.New = func() any {
		return &scratch{sign: hmac.New(sha256.New, m.key), derive: hmac.New(sha256.New, m.derive),
			payload: make([]byte, 0, 512), out: make([]byte, 0, 512)}
	}
	return m, nil
}

func (m *Minter) getScratch() *scratch   { return m.scratch.Get().(*scratch) }
func (m *Minter) putScratch(sc *scratch) { m.scratch.Put(sc) }

// randomID returns n random bytes, base64url without padding.
func (m *Minter) randomID(n int) (string, error) {
	b := make([]byte, n)
	m.randomMu.Lock()
	_, err := io.ReadFull(m.random, b)
	m.randomMu.Unlock()
	if err != nil {
		return "", fmt.Errorf("mock: draw random id: %w", err)
	}
	return b64.EncodeToString(b), nil
}

// derivedIDs are two 128-bit ids, the halves of HMAC(derive, seed): unpredictable without
// the key, and the same every time for the same seed, so a grace-window replay of a
// rotation re-creates the very pair it answered first without the store keeping any token.
func (m *Minter) derivedIDs(sc *scratch, seed *Hash) (accessID, refreshID string) {
	sc.derive.Reset()
	sc.derive.Write(seed[:])
	sum := sc.derive.Sum(sc.sum[:0])
	var ids [2 * 22]byte // two 16-byte halves, base64url: 22 characters each
	b64.Encode(ids[:22], sum[:16])
	b64.Encode(ids[22:], sum[16:32])
	both := string(ids[:])
	return both[:22], both[22:]
}

// pairFor mints the pair of generation gen of session s at time now. seed decides the
// token ids: nil draws fresh random ones; the hash of the refresh token presented
// derives them from it.
func (m *Minter) pairFor(s *Session, gen int, now time.Time, seed *Hash) (Pair, error) {
	sc := m.getScratch()
	defer m.putScratch(sc)
	accessID, refreshID := "", ""
	if seed == nil {
		var err error
		if accessID, err = m.randomID(16); err != nil {
			return Pair{}, err
		}
		if refreshID, err = m.randomID(16); err != nil {
			return Pair{}, err
		}
	} else {
		accessID, refreshID = m.derivedIDs(sc, seed)
	}
	// The refresh lifetime slides from now but never past the session's absolute end.
	// Expiries are whole seconds, as the exp claims state them, so that a session keeps
	// exactly the expiry its current token states (identify relies on it).
	p := Pair{
		AccessExpiresAt:  now.Add(m.accessTTL).Truncate(time.Second),
		RefreshExpiresAt: minTime(now.Add(m.refreshTTL), s.ExpiresAt).Truncate(time.Second),
	}
	iat := now.Unix()

	// The claims golang-jwt would write for AccessClaims and RefreshClaims (registered
	// claims omitted when empty, times in whole seconds as its NumericDate writes them);
	// sid first because it is never omitted.
	w := sc.payload[:0]
	w = appendString(w, `{"sid":`, s.ID)
	w = appendOptional(w, `,"iss":`, m.issuer)
	w = appendOptional(w, `,"sub":`, s.Sub)
	w = appendNumber(w, `,"exp":`, p.AccessExpiresAt.Unix())
	w = appendNumber(w, `,"nbf":`, iat)
	w = appendNumber(w, `,"iat":`, iat)
	w = appendOptional(w, `,"jti":`, accessID)
	w = appendString(w, `,"org":`, s.Org)
	w = append(w, `,"typ":"`+typAccess+`"}`...)
	p.AccessToken = m.sign(sc, w)

	w = appendString(w[:0], `{"sid":`, s.ID)
	w = appendOptional(w, `,"sub":`, s.Sub)
	w = appendNumber(w, `,"exp":`, p.RefreshExpiresAt.Unix())
	w = appendNumber(w, `,"iat":`, iat)
	w = appendOptional(w, `,"jti":`, refreshID)
	w = appendNumber(w, `,"gen":`, int64(gen))
	w = append(w, `,"typ":"`+typRefresh+`"}`...)
	p.RefreshToken = m.sign(sc, w)
	sc.payload = w
	return p, nil
}

func appendString(w []byte, key, v string) []byte { return flatjson.AppendString(append(w, key...), v) }

// appendOptional leaves out an empty value, as golang-jwt's omitempty does.
func appendOptional(w []byte, key, v string) []byte {
	if v == "" {
		return w
	}
	return appendString(w, key, v)
}

func appendNumber(w []byte, key string, n int64) []byte {
	return strconv.AppendInt(append(w, key...), n, 10)
}

// sign returns header.payload.signature for an HS256 token with the given claims JSON.
func (m *Minter) sign(sc *scratch, payload []byte) string {
	out := append(sc.out[:0], hs256Header+"."...)
	out = b64.AppendEncode(out, payload)
	sc.sign.Reset()
	sc.sign.Write(out)
	out = append(out, '.')
	out = b64.AppendEncode(out, sc.sign.Sum(sc.sum[:0]))
	sc.out = out
	return string(out)
}

var (
	errWrongType = errors.New("token has the wrong typ claim")
	errMalformed = errors.New("token is malformed")
	errSignature = errors.New("token signature is invalid")
)

// verify checks token's signature and decodes its claims into claims. A token with the
// mock's own header is checked here, with the same rules as golang-jwt (RFC 7515 compact
// form, base64url without padding, HMAC-SHA256 compared in constant time, claims by
// encoding/json); any other header is left to golang-jwt, which refuses every algorithm
// but HS256.
func (m *Minter) verify(token string, claims jwt.Claims) error {
	if !strings.HasPrefix(token, hs256Header+".") {
		_, err := m.parser.ParseWithClaims(token, claims, m.keyFunc)
		return err
	}
	sc := m.getScratch()
	defer m.putScratch(sc)
	payload, err := m.signedPayload(sc, token)
	if err != nil {
		return err
	}
	if decodeClaims(payload, claims) {
		return nil
	}
	return json.Unmarshal(payload, claims)
}

// signedPayload checks the signature of token, which has the mock's own header, and
// returns its decoded payload, held in sc.
func (m *Minter) signedPayload(sc *scratch, token string) ([]byte, error) {
	payload, sig, ok := strings.Cut(token[len(hs256Header)+1:], ".")
	if !ok || strings.IndexByte(sig, '.') >= 0 {
		return nil, errMalformed
	}
	sc.out = append(sc.out[:0], token[:len(hs256Header)+1+len(payload)]...)
	sc.sign.Reset()
	sc.sign.Write(sc.out)
	want := sc.sign.Sum(sc.sum[:0])
	sc.out = append(sc.out[:0], sig...)
	got, err := b64.AppendDecode(sc.payload[:0], sc.out)
	sc.payload = got
	if err != nil || !hmac.Equal(got, want) {
		return nil, errSignature
	}
	sc.out = append(sc.out[:0], payload...)
	decoded, err := b64.AppendDecode(sc.payload[:0], sc.out)
	sc.payload = decoded
	if err != nil {
		return nil, errMalformed
	}
	return decoded, nil
}

// claimedSession returns the sid a token of the mock's own shape names, unverified. The
// payloads pairFor writes begin {"sid":"<22 characters>", so only the first 44
// characters of the payload are decoded. The sid serves to find the session whose
// current token's hash to compare with, never as a credential.
func (m *Minter) claimedSession(token string) (string, bool) {
	const prefix = `{"sid":"`
	const sidLen = 22 // a session id: its 16 random bytes in base64url
	var text [44]byte // decodes to the 33 bytes `{"sid":"`, the sid, `",`
	var raw [33]byte
	payload, ok := strings.CutPrefix(token, hs256Header+".")
	if !ok || len(payload) < len(text) {
		return "", false
	}
	copy(text[:], payload)
	if _, err := b64.Decode(raw[:], text[:]); err != nil {
		return "", false
	}
	if string(raw[:len(prefix)]) != prefix || raw[len(prefix)+sidLen] != '"' {
		return "", false
	}
	return string(raw[len(prefix) : len(prefix)+sidLen]), true
}

// The claims decodeClaims reads, one bit each, so that a repeated claim is caught.
const (
	claimIss uint16 = 1 << iota
	claimSub
	claimExp
	claimNbf
	claimIat
	claimJti
	claimOrg
	claimSid
	claimTyp
	claimGen
)

// claimOf names the claim key is and the kind of value it takes in an access or a
// refresh token (org is an access token's only, gen a refresh token's only); ok is false
// for any other key.
func claimOf(key []byte, access bool) (claim uint16, kind flatjson.Kind, ok bool) {
	switch string(key) {
	case "iss":
		return claimIss, flatjson.String, true
	case "sub":
		return claimSub, flatjson.String, true
	case "exp":
		return claimExp, flatjson.Int, true
	case "nbf":
		return claimNbf, flatjson.Int, true
	case "iat":
		return claimIat, flatjson.Int, true
	case "jti":
		return claimJti, flatjson.String, true
	case "org":
		return claimOrg, flatjson.String, access
	case "sid":
		return claimSid, flatjson.String, true
	case "typ":
		return claimTyp, flatjson.String, true
	case "gen":
		return claimGen, flatjson.Int, !access
	}
	return 0, 0, false
}

// flatClaims parses payload and checks it as decodeClaims does before setting anything:
// flatjson's shape, only claims of the token's type, each once and of its kind.
func flatClaims(payload []byte, access bool, buf []flatjson.Member) ([]flatjson.Member, bool) {
	members, ok := flatjson.Parse(payload, buf)
	if !ok {
		return nil, false
	}
	var seen uint16
	for i := range members {
		claim, kind, ok := claimOf(members[i].Key, access)
		if !ok || members[i].Kind != kind || seen&claim != 0 {
			return nil, false
		}
		seen |= claim
	}
	return members, true
}

// decodeClaims reads the claims of the payloads the mock writes, as encoding/json would
// read them into claims, without its reflection: only flatjson's shape, only the claims
// of the type, each once. It reports false for anything else, and encoding/json decides.
func decodeClaims(payload []byte, claims jwt.Claims) bool {
	var reg *jwt.RegisteredClaims
	var org, sid, typ *string
	var gen *int
	switch c := claims.(type) {
	case *AccessClaims:
		reg, org, sid, typ = &c.RegisteredClaims, &c.Org, &c.Sid, &c.Typ
	case *RefreshClaims:
		reg, sid, gen, typ = &c.RegisteredClaims, &c.Sid, &c.Gen, &c.Typ
	default:
		return false
	}
	var buf [12]flatjson.Member
	members, ok := flatClaims(payload, org != nil, buf[:0])
	if !ok {
		return false
	}
	// One string and one block of dates for all claims, instead of one allocation each.
	text := string(payload)
	var dates [3]jwt.NumericDate
	block := &dates
	for i := range members {
		m := &members[i]
		str := flatjson.Substring(text, payload, m.Str)
		switch claim, _, _ := claimOf(m.Key, org != nil); claim {
		case claimIss:
			reg.Issuer = str
		case claimSub:
			reg.Subject = str
		case claimExp:
			reg.ExpiresAt = setDate(&block[0], m.Int)
		case claimNbf:
			reg.NotBefore = setDate(&block[1], m.Int)
		case claimIat:
			reg.IssuedAt = setDate(&block[2], m.Int)
		case claimJti:
			reg.ID = str
		case claimOrg:
			*org = str
		case claimSid:
			*sid = str
		case claimTyp:
			*typ = str
		case claimGen:
			*gen = int(m.Int)
		}
	}
	return true
}

// setDate reads a NumericDate into slot as golang-jwt does: whole seconds, local time.
func setDate(slot *jwt.NumericDate, seconds int64) *jwt.NumericDate {
	*slot = *jwt.NewNumericDate(time.Unix(seconds, 0))
	return slot
}

func (m *Minter) keyFunc(*jwt.Token) (any, error) { return m.key, nil }

// verifyRefresh checks the signature and type of a refresh token; expiry is the
// caller's business, against the mock's clock.
func (m *Minter) verifyRefresh(token string) (*RefreshClaims, error) {
	var c RefreshClaims
	if err := m.verify(token, &c); err != nil {
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
	if err := m.verify(token, &c); err != nil {
		return nil, err
	}
	if c.Typ != typAccess {
		return nil, errWrongType
	}
	return &c, nil
}

// isAccess reports whether token is an access token this mock signed, as verifyAccess
// decides, without building its claims: a refresh's credentials need no more. A payload
// decodeClaims would leave to encoding/json is left to verifyAccess.
func (m *Minter) isAccess(token string) bool {
	if strings.HasPrefix(token, hs256Header+".") {
		sc := m.getScratch()
		defer m.putScratch(sc)
		payload, err := m.signedPayload(sc, token)
		if err != nil {
			return false
		}
		var buf [12]flatjson.Member
		if members, ok := flatClaims(payload, true, buf[:0]); ok {
			for _, c := range members {
				if string(c.Key) == "typ" {
					return string(c.Str) == typAccess
				}
			}
			return false // no typ: verifyAccess finds the wrong type
		}
	}
	_, err := m.verifyAccess(token)
	return err == nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
