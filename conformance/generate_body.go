package conformance

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pb33f/libopenapi/datamodel/high/base"
)

// otherTypes are the JSON values a mutation puts where the schema wants another type.
// JSON Schema tells integer from number, so both are tried.
var otherTypes = []struct {
	jsonType, as string
	value        any
}{
	{"string", "a string", sampleString},
	{"integer", "an integer", 42},
	{"number", "a fractional number", 4.5},
	{"boolean", "a boolean", true},
	{"array", "an array", []any{sampleString}},
	{"object", "an object", map[string]any{"value": sampleString}},
	{"null", "null", nil},
}

// schemaCases breaks the body at path (nil: the root) in every way s forbids, then does
// the same below it for each property of an object.
func (r request) schemaCases(s *base.Schema, path []string) []Case {
	var cases []Case
	cases = append(cases, r.typeCases(s, path)...)
	cases = append(cases, r.constraintCases(s, path)...)
	if jsonType(s) != "object" || s.Properties == nil {
		return cases
	}
	for _, name := range s.Required {
		if _, declared := s.Properties.Get(name); !declared {
			continue // the sample holds only declared properties: there is nothing to remove
		}
		prop := append(slices.Clone(path), name)
		c := r.base(KindRequiredRemoved, dotted(prop)+" removed (required)")
		c.Body = mustJSON(without(r.body, prop))
		cases = append(cases, c)
	}
	for name, p := range s.Properties.FromOldest() {
		cases = append(cases, r.schemaCases(schemaOf(p), append(slices.Clone(path), name))...)
	}
	return cases
}

func dotted(path []string) string { return strings.Join(path, ".") }

// typeCases puts a value of every other JSON type, and null, where s wants its type. A
// schema without a type allows them all; a nullable one allows null.
func (r request) typeCases(s *base.Schema, path []string) []Case {
	want := jsonType(s)
	if want == "" {
		return nil
	}
	var cases []Case
	for _, o := range otherTypes {
		if o.jsonType == want || (want == "number" && o.jsonType == "integer") || (o.jsonType == "null" && nullable(s)) {
			continue
		}
		var c Case
		if len(path) == 0 {
			c = r.base(KindRootType, "the body as "+o.as)
		} else {
			c = r.base(KindWrongType, dotted(path)+" as "+o.as)
		}
		c.Body = mustJSON(with(r.body, path, o.value))
		cases = append(cases, c)
	}
	return cases
}

// constraintCases break the string length bounds, the enum and the pattern s declares.
func (r request) constraintCases(s *base.Schema, path []string) []Case {
	where := dotted(path)
	if where == "" {
		where = "the body"
	}
	var cases []Case
	add := func(kind Kind, detail string, value any) {
		c := r.base(kind, where+" "+detail)
		c.Body = mustJSON(with(r.body, path, value))
		cases = append(cases, c)
	}
	if jsonType(s) == "string" || jsonType(s) == "" {
		if s.MaxLength != nil {
			add(KindTooLong, fmt.Sprintf("over maxLength %d", *s.MaxLength), strings.Repeat("x", int(*s.MaxLength)+1))
		}
		if s.MinLength != nil && *s.MinLength > 0 {
			add(KindTooShort, fmt.Sprintf("under minLength %d", *s.MinLength), strings.Repeat("x", int(*s.MinLength)-1))
		}
		if v, ok := patternBreaker(s); ok {
			add(KindPatternMismatch, "not matching the pattern "+s.Pattern, v)
		}
	}
	if len(s.Enum) > 0 {
		if v, ok := outsideEnum(s); ok {
			add(KindOutsideEnum, "outside the enum", v)
		}
	}
	return cases
}

// patternBreaker is a string within the length bounds that the pattern does not match.
// Go's regexp stands in for ECMA 262's, which agree on the patterns documents use.
func patternBreaker(s *base.Schema) (string, bool) {
	if s.Pattern == "" {
		return "", false
	}
	re, err := regexp.Compile(s.Pattern)
	if err != nil {
		return "", false
	}
	for _, candidate := range []string{sampleString, "!", "0", "", " ", "A_B-c.d/e~f"} {
		candidate = fitLength(candidate, s)
		if !re.MatchString(candidate) {
			return candidate, true
		}
	}
	return "", false
}

// outsideEnum is a value of the enum's type that the enum does not list.
func outsideEnum(s *base.Schema) (any, bool) {
	listed := map[string]bool{}
	for _, n := range s.Enum {
		if v, ok := decodeNode(n); ok {
			listed[fmt.Sprint(v)] = true
		}
	}
	var candidates []any
	switch jsonType(s) {
	case "integer", "number":
		candidates = []any{-1, 0, 999999}
	case "boolean":
		candidates = []any{true, false}
	default:
		candidates = []any{sampleString + "-not-in-enum", "NOT-IN-ENUM"}
	}
	for _, c := range candidates {
		if !listed[fmt.Sprint(c)] {
			return c, true
		}
	}
	return nil, false
}

// with returns a deep copy of body with the value at path replaced; the root when path
// is empty.
func with(body any, path []string, value any) any {
	if len(path) == 0 {
		return value
	}
	obj, ok := body.(map[string]any)
	if !ok {
		obj = map[string]any{}
	}
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		out[k] = v
	}
	out[path[0]] = with(out[path[0]], path[1:], value)
	return out
}

// without returns a copy of body with the property at path removed.
func without(body any, path []string) any {
	obj, ok := body.(map[string]any)
	if !ok || len(path) == 0 {
		return body
	}
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		out[k] = v
	}
	if len(path) == 1 {
		delete(out, path[0])
	} else {
		out[path[0]] = without(out[path[0]], path[1:])
	}
	return out
}
