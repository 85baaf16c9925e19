package session

import (
	"context"
	"errors"
	"time"

	"github.com/appmaker/refresh-conformance/mock/token"
)

// Store keeps sessions. Every method is atomic: a Store makes the rules of this package
// happen as one step, and keeps nothing of an operation that fails. Errors are the
// sentinels below (wrapped), or a failure of the store itself, which callers answer
// "unavailable", never as a verdict on the token.
type Store interface {
	// Create adds a new session; ErrExists if its ID is taken.
	Create(ctx context.Context, s Session) error
	// Get returns the session; ErrNotFound if there is none.
	Get(ctx context.Context, id string) (Session, error)
	// FindCurrent returns the session whose current refresh token, or newest access token,
	// has the hash h (the caller compares h with Current and Access to know which);
	// ErrNotFound if no session's current tokens have it.
	FindCurrent(ctx context.Context, h token.Hash) (Session, error)
	// Rotate applies Session.Rotate to the session id as one compare-and-swap from the
	// presented token's hash: of any number of callers presenting one current token, exactly
	// one sees Rotated. It returns the session as the rules left it.
	Rotate(ctx context.Context, id string, r Rotation) (Session, Outcome, error)
	// Revoke applies Session.Revoke.
	Revoke(ctx context.Context, id, reason string, now time.Time) (Session, error)
	// Expire applies Session.Expire.
	Expire(ctx context.Context, id string, part Part, now time.Time) (Session, error)
	// List returns every session, in no particular order.
	List(ctx context.Context) ([]Session, error)
	// Sweep drops the sessions that are Sweepable at now and says how many.
	Sweep(ctx context.Context, now time.Time) (int, error)
	// Reset drops every session.
	Reset(ctx context.Context) error
}

// Errors of a Store.
var (
	ErrNotFound = errors.New("session not found")
	ErrExists   = errors.New("session already exists")
	// ErrUnavailable wraps a failure of the store itself (a Redis that cannot be reached):
	// no verdict on the token can be given.
	ErrUnavailable = errors.New("session store unavailable")
)
