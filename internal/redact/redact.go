// Package redact finds JWT-shaped strings in text and replaces them, so that no token
// reaches a log line, an event, a report or a test's output by way of a message that
// quotes a value. It is the one definition of "looks like a token" in this module.
package redact

import (
	"regexp"
	"strings"
)

// Marker replaces a token-shaped string.
const Marker = "[redacted]"

// jwtShape is three dot-separated base64url segments of at least eight characters each:
// every compact JWS, whatever its header, and few ordinary strings (a version number or a
// host name has shorter segments or characters outside base64url).
var jwtShape = regexp.MustCompile(`[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`)

// JWTs replaces every JWT-shaped substring of s with Marker. A string with fewer than two
// dots cannot hold one and is returned as it is, without running the expression.
func JWTs(s string) string {
	if strings.Count(s, ".") < 2 {
		return s
	}
	return jwtShape.ReplaceAllString(s, Marker)
}

// JWTsWith replaces every JWT-shaped substring of s with marker.
func JWTsWith(s, marker string) string {
	if strings.Count(s, ".") < 2 {
		return s
	}
	return jwtShape.ReplaceAllString(s, marker)
}

// HasJWT reports whether s holds a JWT-shaped substring.
func HasJWT(s string) bool { return strings.Count(s, ".") >= 2 && jwtShape.MatchString(s) }

// FindJWTs returns every JWT-shaped substring of s, in order.
func FindJWTs(s string) []string { return jwtShape.FindAllString(s, -1) }
