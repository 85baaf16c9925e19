// Package flatjson reads and writes the one shape of JSON on the mock's hot path without
// reflection: a flat object of plain ASCII strings, integers, booleans and nulls, as JWT
// claims, refresh request bodies and token pairs are. Anything else is refused, and the
// caller falls back to encoding/json, so a reader built on it decides exactly as
// encoding/json would, and what it writes encoding/json reads back the same.
package flatjson

import (
	"encoding/binary"
	"encoding/json"
	"unicode/utf8"
)

// Kind is the type of a member's value.
type Kind uint8

// Kinds of values.
const (
	String Kind = iota + 1
	Int
	True
	False
	Null
)

// Member is one name/value pair of an object. Key and Str point into the parsed data.
type Member struct {
	Key  []byte
	Kind Kind
	Str  []byte // for String
	Int  int64  // for Int
}

// maxIntDigits keeps every integer exact as a float64 too (2^53 has 16 digits), so a
// value reads the same here as through encoding/json into float64, int or json.Number.
const maxIntDigits = 15

// Parse appends the members of the object in data to out, in document order, and
// reports whether data has the shape described in the package comment: an object,
// with JSON whitespace around tokens, whose keys and string values hold only printable
// ASCII without escapes ('"' and '\' excluded), and whose numbers are integers of at
// most 15 digits without a leading zero or a minus zero. Where it reports true,
// encoding/json reads the same members with the same values.
func Parse(data []byte, out []Member) ([]Member, bool) {
	p := parser{data: data}
	p.space()
	if !p.byte('{') {
		return out, false
	}
	p.space()
	if p.byte('}') {
		return out, p.end()
	}
	for {
		var m Member
		var ok bool
		p.space()
		if m.Key, ok = p.string(); !ok {
			return out, false
		}
		p.space()
		if !p.byte(':') {
			return out, false
		}
		p.space()
		if !p.value(&m) {
			return out, false
		}
		out = append(out, m)
		p.space()
		if p.byte(',') {
			continue
		}
		if p.byte('}') {
			return out, p.end()
		}
		return out, false
	}
}

type parser struct {
	data []byte
	pos  int
}

func (p *parser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) byte(c byte) bool {
	if p.pos < len(p.data) && p.data[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

func (p *parser) end() bool {
	p.space()
	return p.pos == len(p.data)
}

func (p *parser) string() ([]byte, bool) {
	if !p.byte('"') {
		return nil, false
	}
	start := p.pos
	p.pos += plainPrefix(p.data[start:])
	if p.pos == len(p.data) || p.data[p.pos] != '"' {
		return nil, false
	}
	s := p.data[start:p.pos]
	p.pos++
	return s, true
}

// plain marks the bytes a string holds as they are: printable ASCII but '"' and '\\'.
var plain = func() (t [256]bool) {
	for c := 0x20; c <= 0x7e; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plainPrefix is the length of the run of plain bytes b starts with. Tokens make up
// most of every payload, so it tests eight bytes at a time while none is special.
func plainPrefix(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		if below(x, 0x20)|delOrHigh(x)|equal(x, '"')|equal(x, '\\') != 0 {
			break // the byte loop finds which one
		}
	}
	for i < len(b) && plain[b[i]] {
		i++
	}
	return i
}

// Word-at-a-time tests on the eight bytes of x, the classic bit tricks: each is
// nonzero exactly when some byte of x matches. A borrow can also mark a byte above a
// match, never one without a match below it, so the tests say whether, not where.
const (
	eachByteOne  = 0x0101010101010101
	eachByteHigh = 0x8080808080808080
)

// below reports bytes under n, for n at most 0x80.
func below(x uint64, n byte) uint64 { return (x - eachByteOne*uint64(n)) & ^x & eachByteHigh }

// equal reports bytes equal to c.
func equal(x uint64, c byte) uint64 { return below(x^(eachByteOne*uint64(c)), 1) }

// high reports bytes of 0x80 and above.
func high(x uint64) uint64 { return x & eachByteHigh }

// delOrHigh reports bytes of 0x7f (DEL) and above: a high bit, or 0x7f, which adding
// one to every byte turns into 0x80 (it carries into no neighbour when no high bit is set).
func delOrHigh(x uint64) uint64 { return (x | (x + eachByteOne)) & eachByteHigh }

func (p *parser) literal(word string) bool {
	if len(p.data)-p.pos >= len(word) && string(p.data[p.pos:p.pos+len(word)]) == word {
		p.pos += len(word)
		return true
	}
	return false
}

func (p *parser) value(m *Member) bool {
	if p.pos >= len(p.data) {
		return false
	}
	switch c := p.data[p.pos]; {
	case c == '"':
		s, ok := p.string()
		m.Kind, m.Str = String, s
		return ok
	case c == 't':
		m.Kind = True
		return p.literal("true")
	case c == 'f':
		m.Kind = False
		return p.literal("false")
	case c == 'n':
		m.Kind = Null
		return p.literal("null")
	case c == '-' || ('0' <= c && c <= '9'):
		m.Kind = Int
		return p.integer(&m.Int)
	}
	return false
}

func (p *parser) integer(n *int64) bool {
	negative := p.byte('-')
	start := p.pos
	var v int64
	for p.pos < len(p.data) && '0' <= p.data[p.pos] && p.data[p.pos] <= '9' {
		v = v*10 + int64(p.data[p.pos]-'0')
		p.pos++
	}
	digits := p.pos - start
	switch {
	case digits == 0 || digits > maxIntDigits:
		return false
	case p.data[start] == '0' && (digits > 1 || negative):
		return false // a leading zero is not JSON; minus zero is a float64 sign apart
	case p.pos < len(p.data) && (p.data[p.pos] == '.' || p.data[p.pos] == 'e' || p.data[p.pos] == 'E'):
		return false // fractions and exponents are left to encoding/json
	}
	if negative {
		v = -v
	}
	*n = v
	return true
}

// Substring returns b, a Key or Str that Parse returned for data, as the same part of
// text, which must be string(data): the strings of many members then share one
// allocation.
func Substring(text string, data, b []byte) string {
	if len(b) == 0 {
		return ""
	}
	start := cap(data) - cap(b)
	return text[start : start+len(b)]
}

// Map returns the object in data as encoding/json decodes it into an any: strings as
// string, integers as float64, true and false as bool, null as nil. ok is false when
// data does not have the package's shape; decode it with encoding/json then.
func Map(data []byte) (m map[string]any, ok bool) {
	var buf [8]Member
	members, ok := Parse(data, buf[:0])
	if !ok {
		return nil, false
	}
	m = make(map[string]any, len(members))
	text := string(data)
	for _, mb := range members {
		var v any
		switch mb.Kind {
		case String:
			v = Substring(text, data, mb.Str)
		case Int:
			v = float64(mb.Int)
		case True:
			v = true
		case False:
			v = false
		}
		m[Substring(text, data, mb.Key)] = v // a repeated key: the last one wins, as in encoding/json
	}
	return m, true
}

// AppendString appends s as a JSON string: plain printable ASCII as it is, anything else
// as encoding/json writes it (escapes, U+FFFD for invalid UTF-8, HTML-safe).
func AppendString(dst []byte, s string) []byte {
	if !verbatim(s) {
		quoted, _ := json.Marshal(s) // a string always marshals
		return append(dst, quoted...)
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// verbatim reports whether encoding/json writes s between quotes as it is: printable
// ASCII (DEL included) without '"', '\\' and the HTML-escaped '<', '>' and '&'.
func verbatim(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		// Little-endian, as plainPrefix reads; the compiler makes this one load, with one
		// bounds check for w.
		w := s[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		if below(x, 0x20)|high(x)|equal(x, '"')|equal(x, '\\')|equal(x, '<')|equal(x, '>')|equal(x, '&') != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}
