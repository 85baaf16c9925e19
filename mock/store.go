package mock

import (
	"context"
	"crypto/sha256"
	"errors"
	"time"
)

// Hash is the SHA-256 of a token. Stores keep hashes, never tokens, so a dump of the
// store cannot be replayed.
type Hash [sha256.Size]byte

// HashToken hashes a token for the store. A token of ordinary length is copied
// to the stack for hashing: converting it to a []byte would allocate on every refresh.
func HashToken(token string) Hash {
	var buf [1024]byte
	if len(token) <= len(buf) {
		return sha256.Sum256(buf[:copy(buf[:], token)])
	}
	return sha256.Sum256([]byte(token))
}

// Session is one token family: the refresh tokens that descend from one login.
type Session struct {
	ID  string
	Sub string
	Org string

	CreatedAt time.Time
	// ExpiresAt is the absolute end of the session, however often it rotates.
	ExpiresAt time.Time

	// Generation counts rotations: the first refresh token is generation 1.
	Generation int
	// Current is the hash of the one refresh token that may rotate now.
	Current Hash
	// CurrentExpiresAt is when Current idle-expires; each rotation slides it.
	CurrentExpiresAt time.Time
	// Previous is the hash of the token Current replaced, kept to tell reuse from garbage
	// and to honour the grace window.
	Previous Hash
	// RotatedAt is when Previous was replaced; zero before the first rotation.
	RotatedAt time.Time
	// Access is the hash of the newest access token, by which a refresh's credentials
	// are known without verifying them again; zero when the mock did not sign it.
	Access Hash
	// AccessExpiresAt is the expiry of the newest access token.
	AccessExpiresAt time.Time

	RevokedAt     time.Time
	RevokedReason string
}

// Revoked reports whether the session was revoked.
func (s *Session) Revoked() bool { return !s.RevokedAt.IsZero() }

// Store keeps sessions. Implementations must make Update atomic per session: the
// refresh rules run inside it, so two requests racing on one token see one winner.
type Store interface {
	// Create adds a new session; ErrSessionExists if its ID is taken.
	Create(ctx context.Context, s Session) error
	// Get returns a copy of a session; ErrSessionNotFound if there is none.
	Get(ctx context.Context, id string) (Session, error)
	// Update runs fn on the session under its lock and keeps what fn changed, also
	// when fn returns an error (a reuse revokes the session and reports the reuse).
	// It returns the session as fn left it and fn's error. fn must not keep the pointer
	// it is given.
	Update(ctx context.Context, id string, fn func(*Session) error) (Session, error)
	// List returns copies of every session, in no particular order.
	List(ctx context.Context) ([]Session, error)
	// Sweep removes the sessions none of whose tokens can work at now, and says how many.
	Sweep(ctx context.Context, now time.Time) (int, error)
	// Reset removes every session.
	Reset(ctx context.Context) error
}

// Store errors.
var (
	ErrSessionNotFound = errors.New("session not found")
	ErrSessionExists   = errors.New("session already exists")
)
