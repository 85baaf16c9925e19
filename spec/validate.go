package spec

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"sync"
	"weak"

	"github.com/pb33f/jsonschema/v6"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/appmaker/refresh-conformance/internal/flatjson"
)

// ValidationError is libopenapi-validator's report of one problem.
type ValidationError = verrors.ValidationError

// Validation types of the problems Spec adds itself, on top of libopenapi-validator's.
const (
	TypeResponse    = "response"
	SubTypeEmpty    = "emptyBody"
	SubTypeSecurity = "security"
)

// ValidateSecurity checks that r carries what one of op's security requirements asks
// for (presence and scheme only: the document cannot say which tokens are good).
func (s *Spec) ValidateSecurity(r *http.Request, op *Operation) []*ValidationError {
	_, errs := s.validator.GetParameterValidator().ValidateSecurityWithPathItem(r, op.item, op.Path)
	return errs
}

type paramCheck func(*http.Request, *v3.PathItem, string) (bool, []*ValidationError)

// ValidateInput checks r's parameters (path, query, header, cookie) and body against
// op, but not its security. r.Body is left readable.
//
// It is on every request the mock serves, so it skips what cannot fail: a parameter
// location op declares nothing in (libopenapi-validator, not in strict mode, finds nothing
// to check there, but the path check alone costs a route lookup). A JSON body that is
// valid is recognised with the validator's own compiled schema; any other body goes
// through libopenapi-validator's full check, which writes the findings.
func (s *Spec) ValidateInput(r *http.Request, op *Operation) []*ValidationError {
	pv := s.validator.GetParameterValidator()
	var errs []*ValidationError
	for _, c := range []struct {
		in    string
		check paramCheck
	}{
		{helpers.Path, pv.ValidatePathParamsWithPathItem},
		{helpers.Query, pv.ValidateQueryParamsWithPathItem},
		{helpers.Header, pv.ValidateHeaderParamsWithPathItem},
		{helpers.Cookie, pv.ValidateCookieParamsWithPathItem},
	} {
		if !op.declaresParameterIn(c.in) {
			continue
		}
		if ok, e := c.check(r, op.item, op.Path); !ok {
			errs = append(errs, e...)
		}
	}
	if s.validJSONBody(r, op) {
		return errs
	}
	if ok, e := s.validator.GetRequestBodyValidator().ValidateRequestBodyWithPathItem(r, op.item, op.Path); !ok {
		errs = append(errs, e...)
	}
	return errs
}

func (o *Operation) declaresParameterIn(in string) bool {
	for _, p := range o.parameters {
		if p != nil && p.In == in {
			return true
		}
	}
	return false
}

// bodySchemas is, per operation, its request body schemas compiled the way
// libopenapi-validator compiles them (same function, default options as parse builds
// the validator with, same OpenAPI version), keyed by JSON media type.
type bodySchemas struct {
	once    sync.Once
	schemas map[*v3.MediaType]compiledBody
}

// compiledBody is one body schema: as the validator compiled it and, when it is simple
// enough, as a flatSchema.
type compiledBody struct {
	schema *jsonschema.Schema
	flat   *flatSchema
}

// compiledBodies holds the bodySchemas of every live Operation. Its keys are weak, and
// an entry leaves with its Operation, so that documents loaded and dropped (every test
// loads its own) do not pile up here.
var compiledBodies sync.Map // weak.Pointer[Operation] → *bodySchemas

func (s *Spec) bodySchemas(op *Operation) map[*v3.MediaType]compiledBody {
	key := weak.Make(op)
	v, ok := compiledBodies.Load(key)
	if !ok {
		var loaded bool
		if v, loaded = compiledBodies.LoadOrStore(key, &bodySchemas{}); !loaded {
			runtime.AddCleanup(op, func(k weak.Pointer[Operation]) { compiledBodies.Delete(k) }, key)
		}
	}
	b := v.(*bodySchemas)
	b.once.Do(func() { b.schemas = s.compileBodySchemas(op) })
	return b.schemas
}

func (s *Spec) compileBodySchemas(op *Operation) map[*v3.MediaType]compiledBody {
	out := map[*v3.MediaType]compiledBody{}
	if op.op.RequestBody == nil || op.op.RequestBody.Content == nil {
		return out
	}
	opts := config.NewValidationOptions()
	version := helpers.VersionToFloat(s.model.Version)
	for mt, media := range op.op.RequestBody.Content.FromOldest() {
		if ct, _, _ := helpers.ExtractContentType(mt); ct != helpers.JSONContentType || media == nil || media.Schema == nil {
			continue
		}
		compiled, err := schema_validation.CompileSchemaForValidation(media.Schema.Schema(),
			schema_validation.SchemaValidationPurposeRequestBody, opts, version)
		if err == nil && compiled != nil && compiled.CompiledSchema != nil {
			out[media] = compiledBody{schema: compiled.CompiledSchema, flat: compileFlat(compiled.CompiledSchema)}
		}
	}
	return out
}

// validJSONBody reports whether r has an application/json body that op's schema accepts,
// taking libopenapi-validator's steps for it: the media type the validator would pick,
// decoding with encoding/json into one value, the compiled schema; a body of flatjson's
// shape against a flatSchema is checked member by member instead. False means "not known
// to be valid": the caller then runs the full check. r.Body is left readable.
func (s *Spec) validJSONBody(r *http.Request, op *Operation) bool {
	if r.Method != op.Method || r.Body == nil || op.op.RequestBody == nil {
		return false
	}
	contentType := r.Header.Get(helpers.ContentTypeHeader)
	var media *v3.MediaType
	ok := false
	if contentType == helpers.JSONContentType {
		// What FindMediaType finds first for it, without parsing the header.
		media, ok = op.op.RequestBody.Content.Get(helpers.JSONContentType)
	}
	if !ok {
		if ct, _, _ := helpers.ExtractContentType(contentType); ct != helpers.JSONContentType {
			return false
		}
		if media, ok = helpers.FindMediaType(op.op.RequestBody.Content, contentType); !ok {
			return false
		}
	}
	compiled := s.bodySchemas(op)[media]
	if compiled.schema == nil {
		return false
	}
	body, err := ReadBody(r)
	if err != nil || len(body) == 0 {
		return false
	}
	if compiled.flat != nil {
		var buf [8]flatjson.Member
		if members, ok := flatjson.Parse(body, buf[:0]); ok {
			return compiled.flat.accepts(members)
		}
	}
	var value any
	if value, ok = flatjson.Map(body); !ok && json.Unmarshal(body, &value) != nil {
		return false
	}
	return compiled.schema.Validate(value) == nil
}

// ReadBody reads r's body, in one allocation when its length is announced, and leaves
// it readable again. ValidateInput, given the request afterwards, takes the bytes read
// here instead of reading and copying them a second time. A read error is returned with
// what was read; r's body is then what was read.
func ReadBody(r *http.Request) ([]byte, error) {
	if rb, ok := r.Body.(*replayBody); ok && rb.Len() == len(rb.body) {
		return rb.body, nil
	}
	n := r.ContentLength
	if n < 0 || n > maxAnnouncedBody {
		n = bytes.MinRead
	}
	body := make([]byte, 0, n+1) // +1: the read that finds EOF needs room
	var err error
	for {
		if len(body) == cap(body) {
			body = append(body, 0)[:len(body)]
		}
		var m int
		m, err = r.Body.Read(body[len(body):cap(body)])
		body = body[:len(body)+m]
		if err != nil {
			break
		}
	}
	r.Body.Close()
	r.Body = newReplayBody(body)
	if err == io.EOF {
		err = nil
	}
	return body, err
}

// replayBody serves a body read already, in one allocation.
type replayBody struct {
	bytes.Reader
	body []byte
}

func newReplayBody(body []byte) *replayBody {
	rb := &replayBody{body: body}
	rb.Reset(body)
	return rb
}

func (*replayBody) Close() error { return nil }

// maxAnnouncedBody caps the buffer a Content-Length alone makes ReadBody allocate.
const maxAnnouncedBody = 1 << 20

// ValidateResponse checks resp against op: the status is declared, the content type is
// declared for it, and the body is valid for its schema. A body that is empty where the
// document declares content is reported too (libopenapi-validator lets it pass).
// resp.Body is left readable.
func (s *Spec) ValidateResponse(r *http.Request, op *Operation, resp *http.Response) []*ValidationError {
	var body []byte
	if resp.Body != nil {
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	_, errs := s.validator.GetResponseBodyValidator().ValidateResponseBodyWithPathItem(r, resp, op.item, op.Path)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if len(errs) == 0 && len(bytes.TrimSpace(body)) == 0 && r.Method != http.MethodHead &&
		len(op.ResponseMediaTypes(resp.StatusCode)) > 0 {
		errs = append(errs, &ValidationError{
			ValidationType:    TypeResponse,
			ValidationSubType: SubTypeEmpty,
			Message:           "the " + http.StatusText(resp.StatusCode) + " response body is empty but the document declares content for it",
			Reason:            "an empty body is not a JSON value, so it cannot be valid for the declared schema",
		})
	}
	return errs
}
