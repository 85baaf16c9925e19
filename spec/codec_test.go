package spec_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/appmaker/refresh-conformance/spec"
)

// FuzzDecodeRefreshTokenRequestAgreesWithEncodingJSON: the same value and the same
// acceptance as encoding/json, whatever the body.
func FuzzDecodeRefreshTokenRequestAgreesWithEncodingJSON(f *testing.F) {
	for _, s := range []string{
		`{"refreshToken":"eyJ.e30.c2ln"}`, ` { "refreshToken" : "t" , "x" : 1 } `, `{"REFRESHTOKEN":"a","refreshToken":"b"}`,
		`{"refreshtoken":"a","other":null}`, `{"refreshToken":42}`, `{"refreshToken":null}`, `{"refreshToken":"\u00e9"}`,
		`{}`, `[]`, `null`, `"x"`, `{"refreshToken":"t"} x`, ``, `{"refreshToken":"t","refreshToken":"u"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, gotErr := spec.DecodeRefreshTokenRequest(body)
		var want spec.RefreshTokenRequest
		wantErr := json.Unmarshal(body, &want)
		if (gotErr == nil) != (wantErr == nil) || got != want {
			t.Fatalf("%q: got %+v, %v; encoding/json %+v, %v", body, got, gotErr, want, wantErr)
		}
	})
}

// FuzzAppendTokenPairWritesWhatEncodingJSONWrites: byte for byte.
func FuzzAppendTokenPairWritesWhatEncodingJSONWrites(f *testing.F) {
	f.Add("eyJhbGciOiJIUzI1NiJ9.e30.c2ln", "eyJhbGciOiJIUzI1NiJ9.e30.c2lo")
	f.Add("a\"b\\c<d>&\n", "\xff\u00e9\U0001F600\u2028")
	f.Fuzz(func(t *testing.T, access, refresh string) {
		p := spec.TokenPair{AccessToken: access, RefreshToken: refresh}
		want, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := spec.AppendTokenPair(nil, p); !bytes.Equal(got, want) {
			t.Fatalf("got %s, encoding/json writes %s", got, want)
		}
	})
}
