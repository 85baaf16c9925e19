// Package redisstore is a session.Store kept in Redis, so that a fleet of mocks shares
// its sessions and survives restarts. It applies the very rules of package session, each
// as one optimistic transaction (WATCH, read, apply the method, MULTI/EXEC); it holds no
// rule of its own. It is not a cache and keeps nothing in the process.
package redisstore
