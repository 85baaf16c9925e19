package token

import (
	"crypto/sha256"
	"encoding/hex"
)

// Hash is the SHA-256 of a token. Stores keep hashes, never tokens, so a dump of a store
// cannot be replayed.
type Hash [sha256.Size]byte

// HashOf hashes a token.
func HashOf(token string) Hash { return sha256.Sum256([]byte(token)) }

// Fingerprint is the first 6 bytes of the hash in hex: enough to tell a session's tokens
// apart in events, findings and the console, too little to say anything about the token.
func (h Hash) Fingerprint() string { return hex.EncodeToString(h[:6]) }

// IsZero reports whether h is the zero value (no token).
func (h Hash) IsZero() bool { return h == Hash{} }
