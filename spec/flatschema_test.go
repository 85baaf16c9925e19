package spec

import (
	"testing"

	"github.com/appmaker/refresh-conformance/internal/flatjson"
)

// compiledRequestBody compiles schema as the request body schema of a one-operation
// document, through the path validJSONBody uses.
func compiledRequestBody(t testing.TB, schema string) compiledBody {
	t.Helper()
	raw := `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/auth/refresh-token":{"post":{
		"operationId":"refreshToken",
		"requestBody":{"required":true,"content":{"application/json":{"schema":` + schema + `}}},
		"responses":{"201":{"description":"Created"}}}}}}`
	s, err := Parse("test document", []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	op, ok := s.Operation(RefreshOperationID)
	if !ok {
		t.Fatal("no refresh operation")
	}
	for _, c := range s.bodySchemas(op) {
		return c
	}
	t.Fatalf("schema %s: not compiled", schema)
	return compiledBody{}
}

func TestFlatSchemaIsCompiledOnlyForWhatItChecks(t *testing.T) {
	for _, tc := range []struct {
		name, schema string
		flat         bool
	}{
		{"the refresh request", `{"type":"object","required":["refreshToken"],"properties":{"refreshToken":{"type":"string","description":"Refresh token"}}}`, true},
		{"no type", `{"properties":{"a":{"type":"integer"}}}`, true},
		{"untyped property", `{"type":"object","properties":{"a":{"description":"anything"}}}`, true},
		{"nullable", `{"type":"object","properties":{"a":{"type":"string","nullable":true}}}`, true},
		{"annotations", `{"type":"object","title":"t","description":"d","properties":{"a":{"type":"boolean","description":"x"}}}`, true},
		{"default", `{"type":"object","properties":{"a":{"type":"boolean","default":true}}}`, true},
		// OpenAPI keywords are compiled by an extension of the validator's: refused, as
		// every extension is, whatever it checks.
		{"example", `{"type":"object","example":{"a":"x"},"properties":{"a":{"type":"string"}}}`, false},
		{"deprecated", `{"type":"object","properties":{"a":{"type":"string","deprecated":true}}}`, false},
		{"minLength", `{"type":"object","properties":{"a":{"type":"string","minLength":1}}}`, false},
		{"pattern", `{"type":"object","properties":{"a":{"type":"string","pattern":"^e"}}}`, false},
		{"enum", `{"type":"object","properties":{"a":{"type":"string","enum":["x"]}}}`, false},
		{"maximum", `{"type":"object","properties":{"a":{"type":"integer","maximum":3}}}`, false},
		{"readOnly", `{"type":"object","properties":{"a":{"type":"string","readOnly":true}}}`, false},
		{"closed object", `{"type":"object","additionalProperties":false,"properties":{"a":{"type":"string"}}}`, false},
		{"typed extra keys", `{"type":"object","additionalProperties":{"type":"string"}}`, false},
		{"minProperties", `{"type":"object","minProperties":1}`, false},
		{"nested object", `{"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"string"}}}}}`, false},
		{"allOf", `{"allOf":[{"type":"object"},{"required":["a"]}]}`, false},
		{"array body", `{"type":"array","items":{"type":"string"}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := compiledRequestBody(t, tc.schema).flat != nil; got != tc.flat {
				t.Errorf("schema %s: compiled to a flatSchema = %v, want %v", tc.schema, got, tc.flat)
			}
		})
	}
}

// The refresh request's schema takes the flat path: that is what makes valid refresh
// requests cheap to check.
func TestTheRefreshRequestSchemaIsFlat(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	op, _ := s.Operation(RefreshOperationID)
	compiled := s.bodySchemas(op)
	if len(compiled) == 0 {
		t.Fatal("the refresh request has no compiled body schema")
	}
	for media, c := range compiled {
		if c.flat == nil {
			t.Errorf("%v: no flatSchema compiled", media)
		}
	}
}

// flatFuzzSchema has a property of every type flatjson reads, two required.
const flatFuzzSchema = `{"type":"object","required":["s","i"],"properties":{
	"s":{"type":"string"},"i":{"type":"integer"},"n":{"type":"number"},"b":{"type":"boolean"},
	"z":{"type":"string","nullable":true},"any":{"description":"untyped"},"o":{"type":"object"}}}`

// FuzzFlatSchemaAgreesWithTheCompiledSchema: on a body of flatjson's shape, the flat check
// decides as the validator's compiled schema does on the value encoding/json decodes, but
// for repeated keys, where it may only be stricter.
func FuzzFlatSchemaAgreesWithTheCompiledSchema(f *testing.F) {
	c := compiledRequestBody(f, flatFuzzSchema)
	if c.flat == nil {
		f.Fatal("the fuzz schema did not compile to a flatSchema")
	}
	for _, seed := range []string{
		`{"s":"x","i":1}`, `{"s":"x","i":1,"n":2,"b":true,"z":null,"any":false,"extra":"e"}`,
		`{"s":"x"}`, `{"i":1}`, `{}`, `{"s":1,"i":1}`, `{"s":"x","i":"1"}`, `{"s":"x","i":1,"b":null}`,
		`{"s":"x","i":1,"z":"y"}`, `{"s":"x","i":1,"o":"not an object"}`, `{"s":"x","i":1,"S":2}`,
		`{"s":1,"i":1,"s":"x"}`, `{"s":"x","i":1,"s":1}`, `{"s":"x","i":123456789012345}`,
		`{"S":"x","i":1}`, // a required key is matched exactly, as the schema matches it
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var buf [8]flatjson.Member
		members, ok := flatjson.Parse([]byte(body), buf[:0])
		if !ok {
			return // not flatjson's shape: the compiled schema's path decides
		}
		value, _ := flatjson.Map([]byte(body))
		valid := c.schema.Validate(value) == nil
		flat := c.flat.accepts(members)
		repeated := len(value) < len(members)
		if flat && !valid || flat != valid && !repeated {
			t.Fatalf("body %s: flat check %v, compiled schema %v", body, flat, valid)
		}
	})
}
