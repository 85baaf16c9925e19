package mock

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/appmaker/refresh-conformance/mock/answer"
	"github.com/appmaker/refresh-conformance/mock/token"
	"github.com/appmaker/refresh-conformance/spec"
)

// generationAttempts is how many schema-generated bodies the mock tries before it gives
// up on producing one the document accepts.
const generationAttempts = 3

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

// respond answers status on op with a body built from the document: examples first (or the
// one p names), then the schema, keeping the first candidate the document accepts.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, op *spec.Operation, status int, p preference) {
	if len(p.applied) > 0 {
		w.Header().Set("Preference-Applied", strings.Join(p.applied, ", "))
	}
	for name, values := range s.gen.Headers(op, status) {
		w.Header()[name] = values
	}
	mediaType := answer.MediaType(op, status)
	if mediaType == "" {
		w.Header().Del("Content-Type")
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", mediaType)
	var first []byte
	var problems []string
	for attempt := 0; attempt <= generationAttempts; attempt++ {
		body, err := s.gen.Body(op, status, p.example, p.dynamic || attempt > 0)
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
