package mock

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"

	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/renderer"

	"github.com/appmaker/refresh-conformance/mock/token"
	"github.com/appmaker/refresh-conformance/spec"
)

// generationAttempts is how many schema-generated bodies the mock tries before it gives
// up on producing one the document accepts.
const generationAttempts = 3

// bodyGenerator builds answers from a document's examples and schemas with libopenapi's
// renderer. The renderer draws from one seeded source that is not safe for concurrent
// use, hence the lock.
type bodyGenerator struct {
	mu      sync.Mutex
	mock    *renderer.MockGenerator
	headers *renderer.SchemaRenderer
}

// newBodyGenerator seeds the renderer from the mock's random source. No dictionary: words
// are drawn from letters, so answers do not depend on the host's /usr/share/dict.
func newBodyGenerator(seed int64) *bodyGenerator {
	g := &bodyGenerator{mock: renderer.NewMockGeneratorWithDictionary("", renderer.JSON),
		headers: renderer.CreateRendererUsingDictionary("")}
	g.mock.SetSeed(seed)
	g.mock.DisableRequiredCheck()
	g.headers.SetSeed(seed)
	return g
}

// rendererSeed draws the renderer's seed from the mock's one random source.
func rendererSeed(m *token.Minter) (int64, error) {
	id, err := m.RandomID(8)
	if err != nil {
		return 0, err
	}
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return 0, err
	}
	return int64(binary.LittleEndian.Uint64(raw)), nil
}

// render builds a body for media: the named example, else the first example, else one
// generated from the schema; dynamic skips the examples.
func (g *bodyGenerator) render(media *v3.MediaType, example string, dynamic bool) ([]byte, error) {
	if dynamic {
		media = &v3.MediaType{Schema: media.Schema}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.mock.GenerateMock(media, example)
}

// headerValue renders a value for a declared response header.
func (g *bodyGenerator) headerValue(h *v3.Header) (string, bool) {
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

// pickMedia chooses the media type of an answer: JSON when declared, else the first.
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

// exampleNames lists the named examples of op's answer with status.
func exampleNames(op *spec.Operation, status int) []string {
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

// respond answers status on op with a body built from the document: examples first (or the
// one p names), then the schema, keeping the first candidate the document accepts.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, op *spec.Operation, status int, p preference) {
	if len(p.applied) > 0 {
		w.Header().Set("Preference-Applied", strings.Join(p.applied, ", "))
	}
	resp := spec.ResponseOf(op, status)
	if resp != nil && resp.Headers != nil {
		for name, h := range resp.Headers.FromOldest() {
			if v, ok := s.gen.headerValue(h); ok && !strings.EqualFold(name, "Content-Type") {
				w.Header().Set(name, v)
			}
		}
	}
	mediaType, media := pickMedia(resp)
	if media == nil {
		w.Header().Del("Content-Type")
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", mediaType)
	var first []byte
	var problems []string
	for attempt := 0; attempt <= generationAttempts; attempt++ {
		body, err := s.gen.render(media, p.example, p.dynamic || attempt > 0)
		if err != nil {
			problems = []string{"generate: " + err.Error()}
			continue
		}
		body = encodeFor(mediaType, body)
		if first == nil {
			first = body
		}
		errs := s.doc.ValidateResponse(r, op, candidate(status, w.Header(), body))
		if len(errs) == 0 {
			w.WriteHeader(status)
			_, _ = w.Write(body)
			return
		}
		problems = problems[:0]
		for _, e := range errs {
			problems = append(problems, e.Message)
		}
	}
	if first == nil {
		first = encodeFor(mediaType, nil)
	}
	// The document's examples and schema yield nothing it accepts: answer the first try
	// anyway and say so in the log and the event.
	s.cfg.logger.WarnContext(r.Context(), "no answer the document accepts", "operation", operationName(op), "status", status, "problems", strings.Join(problems, "; "))
	note(r.Context(), func(v *verdict) { v.responseErrors = problems })
	w.WriteHeader(status)
	_, _ = w.Write(first)
}

// encodeFor turns the renderer's JSON into the body for mediaType: JSON stays; a string
// for a non-JSON type is sent as its text.
func encodeFor(mediaType string, body []byte) []byte {
	if len(bytes.TrimSpace(body)) == 0 || string(body) == "null" {
		if strings.Contains(mediaType, "json") {
			return []byte(`{}`)
		}
		return nil
	}
	var text string
	if !strings.Contains(mediaType, "json") && json.Unmarshal(body, &text) == nil {
		return []byte(text)
	}
	return body
}

func candidate(status int, header http.Header, body []byte) *http.Response {
	return &http.Response{StatusCode: status, Header: header.Clone(), Body: io.NopCloser(bytes.NewReader(body))}
}

type fitKey struct {
	op     *spec.Operation
	status int
	shape  reflect.Type
}

// bodyFits reports whether the document accepts a body of body's shape for status on op:
// the mock's own explanations are used where it does. The answer is the same for every
// body of one shape, so it is worked out once.
func (s *Server) bodyFits(r *http.Request, op *spec.Operation, status int, body any) bool {
	key := fitKey{op, status, reflect.TypeOf(body)}
	if fits, ok := s.fits.Load(key); ok {
		return fits.(bool)
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return false
	}
	h := http.Header{"Content-Type": {"application/json"}}
	fits := len(s.doc.ValidateResponse(r, op, candidate(status, h, raw))) == 0
	s.fits.Store(key, fits)
	return fits
}
