// Package session holds the mock's sessions (token families), the rules that change them,
// and the Store that keeps them. Every rule is a method on Session with no I/O; a Store
// only makes each one atomic, so a second store (Redis) applies exactly the same rules.
// Package storetest is the behaviour table every Store passes.
package session
