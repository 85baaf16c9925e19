package redisstore

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/appmaker/refresh-conformance/mock/session"
	"github.com/appmaker/refresh-conformance/mock/token"
)

// record is a Session as Redis keeps it: one JSON value, readable with redis-cli GET,
// with every time in Unix nanoseconds (0 for none) so that it reads back to the
// nanosecond, and token hashes in hex.
type record struct {
	ID             string `json:"id"`
	Sub            string `json:"sub"`
	Org            string `json:"org"`
	Created        int64  `json:"created"`
	Expires        int64  `json:"expires"`
	Generation     int    `json:"gen"`
	Current        string `json:"current"`
	CurrentExpires int64  `json:"currentExpires"`
	Tokens         int64  `json:"tokensExpire"`
	Previous       string `json:"previous,omitempty"`
	Rotated        int64  `json:"rotated,omitempty"`
	Access         string `json:"access,omitempty"`
	AccessExpires  int64  `json:"accessExpires"`
	Revoked        int64  `json:"revoked,omitempty"`
	Reason         string `json:"reason,omitempty"`
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func hashText(h token.Hash) string {
	if h.IsZero() {
		return ""
	}
	return hex.EncodeToString(h[:])
}

func parseHash(s string) (token.Hash, error) {
	var h token.Hash
	if s == "" {
		return h, nil
	}
	if n, err := hex.Decode(h[:], []byte(s)); err != nil || n != len(h) {
		return token.Hash{}, fmt.Errorf("token hash %q is not %d bytes of hex", s, len(h))
	}
	return h, nil
}

func encode(s *session.Session) ([]byte, error) {
	return json.Marshal(record{
		ID: s.ID, Sub: s.Sub, Org: s.Org,
		Created: nanos(s.CreatedAt), Expires: nanos(s.ExpiresAt),
		Generation: s.Generation, Current: hashText(s.Current), CurrentExpires: nanos(s.CurrentExpiresAt),
		Tokens: nanos(s.TokensExpireAt), Previous: hashText(s.Previous), Rotated: nanos(s.RotatedAt),
		Access: hashText(s.Access), AccessExpires: nanos(s.AccessExpiresAt), Revoked: nanos(s.RevokedAt), Reason: s.RevokedReason,
	})
}

func decode(data []byte) (session.Session, error) {
	var r record
	if err := json.Unmarshal(data, &r); err != nil {
		return session.Session{}, err
	}
	current, err := parseHash(r.Current)
	if err != nil {
		return session.Session{}, err
	}
	previous, err := parseHash(r.Previous)
	if err != nil {
		return session.Session{}, err
	}
	access, err := parseHash(r.Access)
	if err != nil {
		return session.Session{}, err
	}
	return session.Session{
		ID: r.ID, Sub: r.Sub, Org: r.Org,
		CreatedAt: fromNanos(r.Created), ExpiresAt: fromNanos(r.Expires),
		Generation: r.Generation, Current: current, CurrentExpiresAt: fromNanos(r.CurrentExpires),
		TokensExpireAt: fromNanos(r.Tokens), Previous: previous, RotatedAt: fromNanos(r.Rotated),
		Access: access, AccessExpiresAt: fromNanos(r.AccessExpires), RevokedAt: fromNanos(r.Revoked), RevokedReason: r.Reason,
	}, nil
}
