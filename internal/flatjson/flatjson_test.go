package flatjson

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

var seeds = []string{
	`{}`, ` { } `, `{"a":"b"}`, `{"refreshToken":"eyJhbGciOiJIUzI1NiJ9.e30.c2ln"}`,
	`{"a":1,"b":-2,"c":true,"d":false,"e":null}`, "{\n\t\"a\" : \"b\" ,\r\n \"c\":0}",
	`{"a":"b","a":"c"}`, `{"n":123456789012345}`,
	// Shapes left to encoding/json.
	`{"n":1234567890123456}`, `{"n":1.5}`, `{"n":1e3}`, `{"n":-0}`, `{"n":01}`, `{"s":"\u0041"}`,
	`{"s":"é"}`, `{"o":{}}`, `{"a":[]}`, `[]`, `"s"`, `{"a":"b"} x`, `{"a":"b",}`, `{"a" "b"}`,
	`{"a":tru}`, `{"a":"b"`, ``, `{"a":"tab	"}`, `{"a":-}`, `{"a":--1}`,
}

// FuzzMapAgreesWithEncodingJSON: wherever Map reads an object, encoding/json reads the
// same one into an any.
func FuzzMapAgreesWithEncodingJSON(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := Map(data)
		if !ok {
			return
		}
		var want any
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("Map read %q but encoding/json refuses it: %v", data, err)
		}
		if !reflect.DeepEqual(any(got), want) {
			t.Fatalf("Map(%q) = %#v, encoding/json reads %#v", data, got, want)
		}
	})
}

func TestParseRefusesWhatItLeavesToEncodingJSON(t *testing.T) {
	for _, s := range []string{`{"n":1.5}`, `{"n":-0}`, `{"s":"\u0041"}`, `{"s":"é"}`, `{"o":{}}`, `{"a":"b"} x`, `{"n":1234567890123456}`} {
		if _, ok := Parse([]byte(s), nil); ok {
			t.Errorf("Parse accepted %s", s)
		}
	}
	members, ok := Parse([]byte(`{"sid":"x","gen":-42,"ok":true}`), nil)
	if !ok || len(members) != 3 || string(members[0].Str) != "x" || members[1].Int != -42 || members[2].Kind != True {
		t.Fatalf("Parse = %+v, %v", members, ok)
	}
}

// The word-at-a-time scanners decide every byte as byte-by-byte tests do: each byte value
// at each position of runs of every length up to three words and a tail, with each
// neighbour value that starts or stops a borrow or a carry across bytes.
func TestWordScannersAgreeWithTheByteTables(t *testing.T) {
	const base = "eyJhbGciOiJIUzI1NiJ9.e30.c2l" // 27 bytes: three words and a tail of three
	for n := range len(base) + 1 {
		for pos := range n {
			for c := range 256 {
				for _, next := range []int{c, 0x00, 0x01, 0x1f, 0x20, 0x22, 0x7e, 0x7f, 0x80, 0xff} {
					b := []byte(base[:n])
					b[pos] = byte(c)
					if pos+1 < n {
						b[pos+1] = byte(next)
					}
					checkWordScanners(t, b, n == len(base))
				}
			}
		}
	}
}

// checkWordScanners compares both scanners with byte-by-byte tests and, with
// againstJSON, also what encoding/json writes (slower, so for one length only).
func checkWordScanners(t *testing.T, b []byte, againstJSON bool) {
	t.Helper()
	want := 0
	for want < len(b) && plain[b[want]] {
		want++
	}
	if got := plainPrefix(b); got != want {
		t.Fatalf("plainPrefix(%q) = %d, want %d", b, got, want)
	}
	wantVerbatim := true
	for _, c := range b {
		wantVerbatim = wantVerbatim && c >= 0x20 && c < 0x80 && !strings.ContainsRune(`"\<>&`, rune(c))
	}
	if got := verbatim(string(b)); got != wantVerbatim {
		t.Fatalf("verbatim(%q) = %v, want %v", b, got, wantVerbatim)
	}
	if !wantVerbatim || !againstJSON {
		return
	}
	if quoted, _ := json.Marshal(string(b)); string(quoted) != `"`+string(b)+`"` {
		t.Fatalf("encoding/json writes %q as %s, not as it is", b, quoted)
	}
}
