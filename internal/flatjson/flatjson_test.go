package flatjson

import (
	"encoding/json"
	"reflect"
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
