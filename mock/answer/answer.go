package answer

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/renderer"

	"github.com/appmaker/refresh-conformance/spec"
)

// Generator renders the answers an operation declares. It is safe for concurrent use.
type Generator interface {
	// Headers renders a value for each header the answer with status declares, but
	// Content-Type, which MediaType decides.
	Headers(op *spec.Operation, status int) http.Header
	// Body renders the body of the answer with status in its MediaType: the named
	// example, else the first example, else one generated from the schema; dynamic
	// skips the examples.
	Body(op *spec.Operation, status int, example string, dynamic bool) ([]byte, error)
}

// generator draws from libopenapi's renderer. The renderer draws from one seeded source
// that is not safe for concurrent use, hence the lock.
type generator struct {
	mu      sync.Mutex
	mock    *renderer.MockGenerator
	headers *renderer.SchemaRenderer
}

var _ Generator = (*generator)(nil)

// New seeds the renderer with seed. No dictionary: words are drawn from letters, so
// answers do not depend on the host's /usr/share/dict.
func New(seed int64) Generator {
	g := &generator{mock: renderer.NewMockGeneratorWithDictionary("", renderer.JSON),
		headers: renderer.CreateRendererUsingDictionary("")}
	g.mock.SetSeed(seed)
	g.mock.DisableRequiredCheck()
	g.headers.SetSeed(seed)
	return g
}

func (g *generator) Body(op *spec.Operation, status int, example string, dynamic bool) ([]byte, error) {
	_, media := pickMedia(spec.ResponseOf(op, status))
	if media == nil {
		return nil, fmt.Errorf("answer: %s declares no content for %d", op, status)
	}
	if dynamic {
		media = &v3.MediaType{Schema: media.Schema}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.mock.GenerateMock(media, example)
}

func (g *generator) Headers(op *spec.Operation, status int) http.Header {
	out := http.Header{}
	resp := spec.ResponseOf(op, status)
	if resp == nil || resp.Headers == nil {
		return out
	}
	for name, h := range resp.Headers.FromOldest() {
		if v, ok := g.headerValue(h); ok && !strings.EqualFold(name, "Content-Type") {
			out.Set(name, v)
		}
	}
	return out
}

// headerValue renders a value for a declared response header.
func (g *generator) headerValue(h *v3.Header) (string, bool) {
	if h.Example != nil {
		var v any
		if err := h.Example.Decode(&v); err == nil {
			return scalarText(v)
		}
	}
	if h.Schema == nil || h.Schema.Schema() == nil {
		return "", false
	}
	g.mu.Lock()
	v := g.headers.RenderSchema(h.Schema.Schema())
	g.mu.Unlock()
	return scalarText(v)
}

func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool, int, int64, float64, json.Number:
		return fmt.Sprint(x), true
	}
	return "", false
}

// MediaType is the media type of op's answer with status: JSON when declared, else the
// first declared; "" when the answer has no content.
func MediaType(op *spec.Operation, status int) string {
	name, media := pickMedia(spec.ResponseOf(op, status))
	if media == nil {
		return ""
	}
	return name
}

func pickMedia(resp *v3.Response) (string, *v3.MediaType) {
	if resp == nil || resp.Content == nil || resp.Content.Len() == 0 {
		return "", nil
	}
	for name, media := range resp.Content.FromOldest() {
		if strings.Contains(strings.ToLower(name), "json") {
			return name, media
		}
	}
	first := resp.Content.Oldest()
	return first.Key, first.Value
}

// ExampleNames lists the named examples of op's answer with status.
func ExampleNames(op *spec.Operation, status int) []string {
	_, media := pickMedia(spec.ResponseOf(op, status))
	if media == nil || media.Examples == nil {
		return nil
	}
	var names []string
	for name := range media.Examples.KeysFromOldest() {
		names = append(names, name)
	}
	return names
}
