// Package diagnose tells a frontend team what its app did wrong with refresh tokens: pure rules over the
// refresh requests of each session (racing tabs, stale copies, retries after logout, storms) that turn them
// into findings with a fix. It judges only; it answers nothing and changes no answer. Kinds: docs/DIAGNOSTICS.md.
package diagnose
