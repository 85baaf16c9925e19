package spec

import (
	"reflect"
	"slices"

	"github.com/pb33f/jsonschema/v6"

	"github.com/appmaker/refresh-conformance/internal/flatjson"
)

// flatSchema is a compiled body schema simple enough to be checked on flatjson's members
// as they are parsed, without building the value libopenapi-validator would validate: an
// object whose only constraints are required keys and a type for each declared property.
// The refresh request's schema is one. compileFlat refuses any schema with more in it,
// and validJSONBody then takes the compiled schema's path.
type flatSchema struct {
	required []string
	kinds    map[string]kindSet // declared properties; any other key is allowed
}

// kindSet is a set of flatjson kinds, a bit per kind.
type kindSet uint8

func (k kindSet) has(kind flatjson.Kind) bool { return k&(1<<kind) != 0 }

// allKinds is the kind set of a property without a type.
const allKinds = kindSet(1<<flatjson.String | 1<<flatjson.Int | 1<<flatjson.True | 1<<flatjson.False | 1<<flatjson.Null)

// kindsOf is the flatjson kinds a JSON Schema type admits.
var kindsOf = map[string]kindSet{
	"string":  1 << flatjson.String,
	"integer": 1 << flatjson.Int,
	"number":  1 << flatjson.Int,
	"boolean": 1<<flatjson.True | 1<<flatjson.False,
	"null":    1 << flatjson.Null,
}

// Fields of a compiled schema that either locate it or only annotate it: they do not
// change what it accepts.
var inertFields = []string{"DraftVersion", "Location", "Title", "Description", "Comment", "Default", "Examples", "Deprecated"}

// compileFlat returns the flatSchema of s, or nil when s constrains more than it can check.
// Every other field of s must be unset, so a keyword this function does not know about
// (or a field a later version of the compiler adds) keeps the schema off this path.
func compileFlat(s *jsonschema.Schema) *flatSchema {
	if s == nil || !onlyFields(s, "Types", "Required", "Properties") {
		return nil
	}
	if s.Types != nil && !slices.Contains(s.Types.ToStrings(), "object") {
		return nil
	}
	f := &flatSchema{required: s.Required, kinds: make(map[string]kindSet, len(s.Properties))}
	for name, p := range s.Properties {
		if p == nil || !onlyFields(p, "Types") {
			return nil
		}
		kinds := allKinds
		if p.Types != nil {
			kinds = 0
			for _, t := range p.Types.ToStrings() {
				kinds |= kindsOf[t] // "object" and "array" add nothing: flatjson has neither
			}
		}
		f.kinds[name] = kinds
	}
	return f
}

// onlyFields reports whether s sets no exported field besides the inert ones and allowed.
func onlyFields(s *jsonschema.Schema, allowed ...string) bool {
	v := reflect.ValueOf(s).Elem()
	for i := range v.NumField() {
		field := v.Type().Field(i)
		if !field.IsExported() || v.Field(i).IsZero() {
			continue
		}
		if !slices.Contains(inertFields, field.Name) && !slices.Contains(allowed, field.Name) {
			return false
		}
	}
	return true
}

// accepts reports whether an object with these members is valid. It is stricter than the
// schema in one corner: a repeated key must have an accepted kind every time, where the
// schema sees only the last value (as encoding/json keeps it). Stricter only sends a body
// to the full check, which decides.
func (f *flatSchema) accepts(members []flatjson.Member) bool {
	for i := range members {
		if kinds, declared := f.kinds[string(members[i].Key)]; declared && !kinds.has(members[i].Kind) {
			return false
		}
	}
	for _, name := range f.required {
		if !slices.ContainsFunc(members, func(m flatjson.Member) bool { return string(m.Key) == name }) {
			return false
		}
	}
	return true
}
