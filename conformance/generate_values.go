package conformance

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	yaml "github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	"pgregory.net/rapid"
)

// sampleString is the text of a string the schema says nothing more about. As a refresh
// token it is one that no server issued.
const sampleString = "conformance-sample"

// schemaOf resolves a proxy; a composition (allOf, oneOf, anyOf) stands for its first
// member, which is enough to build one valid value and to break it.
func schemaOf(p *base.SchemaProxy) *base.Schema {
	if p == nil {
		return nil
	}
	return flatten(p.Schema())
}

func flatten(s *base.Schema) *base.Schema {
	if s == nil || len(s.Type) > 0 || s.Properties != nil {
		return s
	}
	for _, group := range [][]*base.SchemaProxy{s.AllOf, s.OneOf, s.AnyOf} {
		if len(group) > 0 {
			return schemaOf(group[0])
		}
	}
	return s
}

// jsonType is the schema's first non-null type: "object", "string" ...; "" when it
// declares none (and so allows any).
func jsonType(s *base.Schema) string {
	if s == nil {
		return ""
	}
	for _, t := range s.Type {
		if t != "null" {
			return t
		}
	}
	if s.Properties != nil && s.Properties.Len() > 0 {
		return "object"
	}
	return ""
}

func nullable(s *base.Schema) bool {
	return s == nil || (s.Nullable != nil && *s.Nullable) || slices.Contains(s.Type, "null")
}

func decodeNode(n *yaml.Node) (any, bool) {
	if n == nil {
		return nil, false
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, false
	}
	return jsonable(v), true
}

// jsonable turns YAML's decoded maps into the maps encoding/json writes.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonable(e)
		}
		return x
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = jsonable(e)
		}
		return out
	case []any:
		for i, e := range x {
			x[i] = jsonable(e)
		}
	}
	return v
}

// given is the value the document itself offers: example, then examples, then default,
// then the first enum value.
func given(s *base.Schema) (any, bool) {
	if v, ok := decodeNode(s.Example); ok {
		return v, true
	}
	for _, e := range s.Examples {
		if v, ok := decodeNode(e); ok {
			return v, true
		}
	}
	if v, ok := decodeNode(s.Default); ok {
		return v, true
	}
	if len(s.Enum) > 0 {
		return decodeNode(s.Enum[0])
	}
	return nil, false
}

// sample is one value valid for s, the same on every run: the document's own values
// where it gives them, else the simplest value that meets the constraints.
func sample(s *base.Schema) any {
	s = flatten(s)
	if s == nil {
		return sampleString
	}
	if v, ok := given(s); ok {
		return v
	}
	switch jsonType(s) {
	case "object":
		obj := map[string]any{}
		if s.Properties != nil {
			for name, p := range s.Properties.FromOldest() {
				obj[name] = sample(schemaOf(p))
			}
		}
		return obj
	case "array":
		n := int64(1)
		if s.MinItems != nil && *s.MinItems > n {
			n = *s.MinItems
		}
		if s.MaxItems != nil && *s.MaxItems < n {
			n = *s.MaxItems
		}
		items := make([]any, n)
		for i := range items {
			items[i] = sample(itemsOf(s))
		}
		return items
	case "integer":
		return int64(math.Round(numberIn(s, 1)))
	case "number":
		return numberIn(s, 1.5)
	case "boolean":
		return true
	}
	return sampleText(s)
}

func itemsOf(s *base.Schema) *base.Schema {
	if s.Items == nil || !s.Items.IsA() {
		return nil
	}
	return schemaOf(s.Items.A)
}

func numberIn(s *base.Schema, preferred float64) float64 {
	v := preferred
	if s.Minimum != nil && v < *s.Minimum {
		v = *s.Minimum
	}
	if s.Maximum != nil && v > *s.Maximum {
		v = *s.Maximum
	}
	return v
}

var formatSamples = map[string]string{
	"date-time": "2026-01-01T09:00:00Z",
	"date":      "2026-01-01",
	"email":     "qa@example.com",
	"uuid":      "00000000-0000-4000-8000-000000000000",
	"uri":       "https://example.com/conformance",
	"hostname":  "example.com",
	"ipv4":      "192.0.2.1",
}

func sampleText(s *base.Schema) string {
	if v, ok := formatSamples[s.Format]; ok {
		return v
	}
	text := sampleString
	if s.Pattern != "" {
		if re, err := regexp.Compile(s.Pattern); err == nil && !re.MatchString(text) {
			text = rapid.StringMatching(s.Pattern).Example(0)
		}
	}
	return fitLength(text, s)
}

// fitLength pads or cuts text to the schema's length bounds, counted in characters.
func fitLength(text string, s *base.Schema) string {
	runes := []rune(text)
	if s.MaxLength != nil && int64(len(runes)) > *s.MaxLength {
		runes = runes[:*s.MaxLength]
	}
	if s.MinLength != nil && int64(len(runes)) < *s.MinLength {
		runes = append(runes, []rune(strings.Repeat("x", int(*s.MinLength)-len(runes)))...)
	}
	return string(runes)
}

// valueGen draws values valid for s from rapid's seeded source, so that a failing value
// shrinks to a minimal one. The document's own values are among the choices.
func valueGen(s *base.Schema) *rapid.Generator[any] {
	s = flatten(s)
	if s == nil {
		return anyOf(rapid.String())
	}
	if len(s.Enum) > 0 {
		var values []any
		for _, n := range s.Enum {
			if v, ok := decodeNode(n); ok {
				values = append(values, v)
			}
		}
		if len(values) > 0 {
			return rapid.SampledFrom(values)
		}
	}
	switch jsonType(s) {
	case "object":
		return objectGen(s)
	case "array":
		minItems, maxItems := 0, -1
		if s.MinItems != nil {
			minItems = int(*s.MinItems)
		}
		if s.MaxItems != nil {
			maxItems = int(*s.MaxItems)
		}
		items := valueGen(itemsOf(s))
		return rapid.Custom(func(t *rapid.T) any {
			return rapid.SliceOfN(items, minItems, maxItems).Draw(t, "items")
		})
	case "integer":
		lo, hi := int64(math.MinInt32), int64(math.MaxInt32)
		if s.Minimum != nil {
			lo = int64(math.Ceil(*s.Minimum))
		}
		if s.Maximum != nil {
			hi = int64(math.Floor(*s.Maximum))
		}
		return anyOf(rapid.Int64Range(lo, hi))
	case "number":
		lo, hi := -1e9, 1e9
		if s.Minimum != nil {
			lo = *s.Minimum
		}
		if s.Maximum != nil {
			hi = *s.Maximum
		}
		return anyOf(rapid.Float64Range(lo, hi))
	case "boolean":
		return anyOf(rapid.Bool())
	}
	return stringGen(s)
}

func anyOf[V any](g *rapid.Generator[V]) *rapid.Generator[any] {
	return rapid.Map(g, func(v V) any { return v })
}

func objectGen(s *base.Schema) *rapid.Generator[any] {
	type prop struct {
		name     string
		gen      *rapid.Generator[any]
		required bool
	}
	var props []prop
	if s.Properties != nil {
		for name, p := range s.Properties.FromOldest() {
			props = append(props, prop{name, valueGen(schemaOf(p)), slices.Contains(s.Required, name)})
		}
	}
	return rapid.Custom(func(t *rapid.T) any {
		obj := map[string]any{}
		for _, p := range props {
			if p.required || rapid.Bool().Draw(t, p.name+" present") {
				obj[p.name] = p.gen.Draw(t, p.name)
			}
		}
		return obj
	})
}

func stringGen(s *base.Schema) *rapid.Generator[any] {
	if v, ok := formatSamples[s.Format]; ok {
		return anyOf(rapid.Just(v))
	}
	minLen, maxLen := 0, -1
	if s.MinLength != nil {
		minLen = int(*s.MinLength)
	}
	if s.MaxLength != nil {
		maxLen = int(*s.MaxLength)
	}
	if s.Pattern != "" {
		if _, err := regexp.Compile(s.Pattern); err == nil {
			return anyOf(rapid.StringMatching(s.Pattern).Filter(func(v string) bool {
				n := len([]rune(v))
				return n >= minLen && (maxLen < 0 || n <= maxLen)
			}))
		}
	}
	return anyOf(rapid.StringOfN(rapid.Rune(), minLen, maxLen, -1))
}
