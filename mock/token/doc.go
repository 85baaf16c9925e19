// Package token mints and verifies the mock's tokens, HS256 JWTs signed and parsed with
// golang-jwt, and hashes them for the session store. Apart from the clock, it is the only
// part of the mock that reads randomness.
package token
