package mock

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/appmaker/refresh-conformance/mock/session"
	"github.com/appmaker/refresh-conformance/mock/token"
)

// Fixture is a session an end-to-end suite can count on: it exists from the start and
// after every reset, with the same sub, org and first tokens on every run.
type Fixture struct {
	// Name identifies the fixture in the control plane (GET /__mock/sessions/{name}) and
	// fixes its session id; optional.
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	Sub  string `json:"sub" yaml:"sub"`
	Org  string `json:"org" yaml:"org"`
	// RefreshToken is the session's first refresh token, any string the author picks. It
	// rotates like any other: the pair it is exchanged for is made of the mock's JWTs.
	RefreshToken string `json:"refreshToken" yaml:"refreshToken"`
	// AccessToken, optional, is accepted as the session's first access token.
	AccessToken string `json:"accessToken,omitempty" yaml:"accessToken,omitempty"`
}

// fixtureFile is the document --fixtures reads, JSON or YAML.
type fixtureFile struct {
	Sessions []Fixture `json:"sessions" yaml:"sessions"`
}

// MaxFixtureToken bounds a fixture's token strings.
const MaxFixtureToken = 4096

var fixtureName = regexp.MustCompile(`^[A-Za-z0-9._~-]{1,64}$`)

// LoadFixtures reads a fixtures file (JSON or YAML).
func LoadFixtures(path string) ([]Fixture, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fixtures: %w", err)
	}
	return ParseFixtures(path, raw)
}

// ParseFixtures reads fixtures from JSON or YAML (JSON is YAML); source names them in
// errors. Unknown fields are refused, so a typo does not silently drop a setting. Errors
// never quote a token.
func ParseFixtures(source string, raw []byte) ([]Fixture, error) {
	var file fixtureFile
	if err := decodeFixtures(raw, &file); err != nil {
		return nil, fmt.Errorf("fixtures: %s: %w", source, err)
	}
	seenName, seenToken := map[string]int{}, map[string]int{}
	var problems []string
	for i, f := range file.Sessions {
		where := fmt.Sprintf("session %d", i+1)
		if f.Name != "" {
			where += fmt.Sprintf(" (%s)", f.Name)
			if !fixtureName.MatchString(f.Name) {
				problems = append(problems, where+": name must be 1 to 64 letters, digits or . _ ~ -")
			} else if j, dup := seenName[f.Name]; dup {
				problems = append(problems, fmt.Sprintf("%s: name is also session %d's", where, j))
			}
			seenName[f.Name] = i + 1
		}
		if f.Sub == "" || f.Org == "" {
			problems = append(problems, where+": sub and org are required")
		}
		for field, tok := range map[string]string{"refreshToken": f.RefreshToken, "accessToken": f.AccessToken} {
			switch {
			case tok == "" && field == "refreshToken":
				problems = append(problems, where+": refreshToken is required")
			case tok == "":
			case len(tok) > MaxFixtureToken || strings.IndexFunc(tok, notTokenRune) >= 0:
				problems = append(problems, fmt.Sprintf("%s: %s must be at most %d printable characters without spaces", where, field, MaxFixtureToken))
			case seenToken[tok] != 0:
				problems = append(problems, fmt.Sprintf("%s: %s is also used by session %d; every token must be unique", where, field, seenToken[tok]))
			default:
				seenToken[tok] = i + 1
			}
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("fixtures: %s: %s", source, strings.Join(problems, "; "))
	}
	return file.Sessions, nil
}

// decodeFixtures reads JSON with encoding/json (YAML parsers choke on tab-indented JSON)
// and anything else as YAML, refusing unknown fields either way.
func decodeFixtures(raw []byte, file *fixtureFile) error {
	if trimmed := bytes.TrimSpace(raw); len(trimmed) > 0 && trimmed[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.DisallowUnknownFields()
		return dec.Decode(file)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(file); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

func notTokenRune(r rune) bool { return r <= ' ' || r == 0x7f }

// fixtureIndex recognises the fixtures' first tokens, which are not JWTs: a fixture's first
// refresh token, once rotated, is known by it to tell reuse from garbage.
type fixtureIndex struct {
	refresh map[token.Hash]fixtureEntry
	access  map[token.Hash]string // session id
	byName  map[string]string
	names   map[string]string // session id -> fixture name
}

type fixtureEntry struct {
	sessionID string
	expiresAt time.Time
}

// fixtureSessionID is stable across runs: derived from the fixture's name, else its token.
func fixtureSessionID(f Fixture) string {
	key := f.Name
	if key == "" {
		key = f.RefreshToken
	}
	sum := sha256.Sum256([]byte("appmaker-mock fixture\x00" + key))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// seedFixtures creates the fixtures' sessions at the mock's current time.
func (s *Server) seedFixtures(ctx context.Context) error {
	now := s.clock.Now()
	idx := &fixtureIndex{refresh: map[token.Hash]fixtureEntry{}, access: map[token.Hash]string{}, byName: map[string]string{}, names: map[string]string{}}
	for _, f := range s.cfg.fixtures {
		sess := session.Session{ID: fixtureSessionID(f), Sub: f.Sub, Org: f.Org, CreatedAt: now, ExpiresAt: now.Add(s.cfg.sessionTTL),
			Generation: 1, Current: token.HashOf(f.RefreshToken), AccessExpiresAt: now.Add(s.cfg.accessTTL)}
		sess.CurrentExpiresAt = now.Add(s.cfg.refreshTTL)
		if sess.ExpiresAt.Before(sess.CurrentExpiresAt) {
			sess.CurrentExpiresAt = sess.ExpiresAt
		}
		sess.TokensExpireAt = sess.CurrentExpiresAt
		// A shared store may have it already, made by another replica of the fleet or by this
		// one before a restart: it is kept as it is, rotations and all.
		if err := s.store.Create(ctx, sess); err != nil && !errors.Is(err, session.ErrExists) {
			return fmt.Errorf("mock: fixture %s: %w", sess.ID, err)
		}
		idx.refresh[sess.Current] = fixtureEntry{sessionID: sess.ID, expiresAt: sess.CurrentExpiresAt}
		if f.AccessToken != "" {
			idx.access[token.HashOf(f.AccessToken)] = sess.ID
		}
		if f.Name != "" {
			idx.byName[f.Name], idx.names[sess.ID] = sess.ID, f.Name
		}
	}
	s.fixtures.Store(idx)
	return nil
}

// resolveSessionID turns a fixture's name into its session id; anything else is an id.
func (s *Server) resolveSessionID(idOrName string) string {
	if idx := s.fixtures.Load(); idx != nil {
		if id, ok := idx.byName[idOrName]; ok {
			return id
		}
	}
	return idOrName
}

// fixtureName names the fixture of a session, "" for a session started otherwise.
func (s *Server) fixtureName(id string) string {
	if idx := s.fixtures.Load(); idx != nil {
		return idx.names[id]
	}
	return ""
}
