package conformance

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"

	yaml "github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/appmaker/refresh-conformance/spec"
)

// request is the valid request every case of one operation starts from: parameters
// filled from the document, the body sample, the credentials the suite holds.
type request struct {
	op        *spec.Operation
	path      string
	query     url.Values
	header    http.Header
	held      Credentials
	mediaType string       // the request media type cases are built for; "" without a body
	schema    *base.Schema // its schema, nil when it declares none
	body      any          // sample(schema)
}

func newRequest(op *spec.Operation) request {
	r := request{op: op, query: url.Values{}, header: http.Header{}}
	if op == nil {
		return r
	}
	r.path = op.Path
	for _, p := range spec.ParametersOf(op) {
		value := parameterValue(p.Schema, p.Example)
		switch p.In {
		case "path":
			r.path = strings.ReplaceAll(r.path, "{"+p.Name+"}", url.PathEscape(value))
		case "query":
			if p.Required != nil && *p.Required {
				r.query.Set(p.Name, value)
			}
		case "header":
			if p.Required != nil && *p.Required && !ignoredHeader(p.Name) {
				r.header.Set(p.Name, value)
			}
		}
	}
	r.held = holdable(op.Security())
	types := op.RequestMediaTypes()
	for _, mt := range types {
		if strings.Contains(strings.ToLower(mt), "json") {
			r.mediaType = mt
			break
		}
	}
	if r.mediaType == "" && len(types) > 0 {
		r.mediaType = types[0]
	}
	if r.mediaType != "" {
		r.schema = flatten(spec.RequestSchemaOf(op, r.mediaType))
		r.body = sample(r.schema)
	}
	return r
}

// ignoredHeader: OpenAPI 3 §4.8.12.1 says header parameters of these names are ignored.
func ignoredHeader(name string) bool {
	switch textproto.CanonicalMIMEHeaderKey(name) {
	case "Accept", "Content-Type", "Authorization":
		return true
	}
	return false
}

func parameterValue(schema *base.SchemaProxy, example *yaml.Node) string {
	if v, ok := decodeNode(example); ok && v != nil {
		return fmt.Sprint(v)
	}
	switch x := sample(schemaOf(schema)).(type) {
	case string:
		return x
	case []any, map[string]any:
		b, _ := json.Marshal(x)
		return string(b)
	default:
		return fmt.Sprint(x)
	}
}

// holdable is the first security requirement the held access token can satisfy: every
// scheme in it carries a token (bearer, API key, OAuth 2, OpenID Connect).
func holdable(reqs []spec.SecurityRequirement) Credentials {
	for _, req := range reqs {
		ok := len(req) > 0
		for _, s := range req {
			if !carriesToken(s) {
				ok = false
			}
		}
		if ok {
			return Credentials{Schemes: req}
		}
	}
	return Credentials{}
}

func carriesToken(s spec.SecurityScheme) bool {
	switch s.Type {
	case "apiKey", "oauth2", "openIdConnect":
		return true
	case "http":
		return s.Scheme == "bearer"
	}
	return false
}

// requiresCredentials reports whether the document refuses op without credentials.
func requiresCredentials(op *spec.Operation) bool {
	reqs := op.Security()
	if len(reqs) == 0 {
		return false
	}
	for _, r := range reqs {
		if len(r) == 0 {
			return false
		}
	}
	return true
}

// base is the valid request as a Case; each kind of case changes one thing of it.
func (r request) base(kind Kind, detail string) Case {
	c := Case{
		Name: fmt.Sprintf("%s %s: %s", r.op.Method, r.op.Path, detail), Kind: kind, Operation: r.op,
		Method: r.op.Method, Path: r.path, Query: cloneValues(r.query), Header: r.header.Clone(),
		ContentType: "-", Credentials: r.held, Expect: ExpectDeclared4xx,
	}
	if kind.Positive() {
		c.Expect = ExpectDeclaredNon5xx
	}
	if r.mediaType != "" {
		c.ContentType = r.mediaType
		c.Body = mustJSON(r.body)
	}
	return c
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("conformance: a value decoded from the document always marshals: " + err.Error())
	}
	return b
}

// operationCases derives every case of op: the negative ones, then the positive ones.
func operationCases(op *spec.Operation) []Case {
	r := newRequest(op)
	var cases []Case
	if r.schema != nil && strings.Contains(strings.ToLower(r.mediaType), "json") {
		cases = append(cases, r.schemaCases(r.schema, nil)...)
		cases = append(cases, r.malformedCases()...)
	}
	if r.mediaType != "" {
		if op.RequestBodyRequired() {
			c := r.base(KindEmptyBody, "an empty body")
			c.Body = nil
			cases = append(cases, c)
		}
		cases = append(cases, r.contentTypeCases()...)
	}
	cases = append(cases, r.credentialCases()...)
	cases = append(cases, r.headerCases()...)
	return append(cases, r.positiveCases()...)
}

func (r request) malformedCases() []Case {
	text := string(mustJSON(r.body))
	variants := []struct{ detail, body string }{
		{"malformed JSON (cut short)", text[:len(text)-1]},
		{"malformed JSON (single quotes)", strings.ReplaceAll(text, `"`, `'`)},
		{"malformed JSON (a trailing comma)", text[:len(text)-1] + "," + text[len(text)-1:]},
	}
	var cases []Case
	for _, v := range variants {
		if v.body == text || (len(text) == 1 && v.detail != "malformed JSON (cut short)") {
			continue
		}
		c := r.base(KindMalformedJSON, v.detail)
		c.Body = []byte(v.body)
		cases = append(cases, c)
	}
	return cases
}

// undeclaredTypes are tried in turn as the Content-Type of a body the document declares.
var undeclaredTypes = []string{"text/plain", "application/xml", "application/x-www-form-urlencoded"}

func (r request) contentTypeCases() []Case {
	declared := r.op.RequestMediaTypes()
	var cases []Case
	for _, t := range undeclaredTypes {
		if mediaTypeIn(t, declared) {
			continue
		}
		c := r.base(KindContentType, "Content-Type "+t)
		c.ContentType = t
		cases = append(cases, c)
	}
	c := r.base(KindContentType, "no Content-Type")
	c.ContentType = "-"
	return append(cases, c)
}

// credentialCases leave the credentials out: all of them, then each requirement in
// turn (each scheme presented empty, or left out of a requirement of several).
func (r request) credentialCases() []Case {
	if !requiresCredentials(r.op) {
		return nil
	}
	c := r.base(KindNoCredentials, "no credentials")
	c.Credentials = Credentials{}
	cases := []Case{c}
	for _, req := range r.op.Security() {
		if len(req) == 1 {
			c := r.base(KindNoCredentials, req[0].Name+" presented empty")
			c.Credentials = Credentials{Schemes: req, Empty: true}
			cases = append(cases, c)
			continue
		}
		for i, left := range req {
			rest := append(append([]spec.SecurityScheme(nil), req[:i]...), req[i+1:]...)
			c := r.base(KindNoCredentials, fmt.Sprintf("%s left out of %s", left.Name, requirementName(req)))
			c.Credentials = Credentials{Schemes: rest}
			cases = append(cases, c)
		}
	}
	return cases
}

func requirementName(req spec.SecurityRequirement) string {
	names := make([]string, len(req))
	for i, s := range req {
		names[i] = s.Name
	}
	return strings.Join(names, " and ")
}

func (r request) headerCases() []Case {
	var cases []Case
	for _, p := range r.op.Parameters() {
		if p.In != "header" || !p.Required || ignoredHeader(p.Name) {
			continue
		}
		c := r.base(KindHeaderMissing, "header "+p.Name+" missing (required)")
		c.Header.Del(p.Name)
		cases = append(cases, c)
	}
	return cases
}

// positiveCases: the document's own examples of the body (else one built from the
// schema), then bodies drawn from a seeded generator when it runs.
func (r request) positiveCases() []Case {
	var cases []Case
	if mt := r.mediaTypeObject(); mt != nil {
		if v, ok := decodeNode(mt.Example); ok {
			c := r.base(KindExampleBody, "the example body")
			c.Body = mustJSON(v)
			cases = append(cases, c)
		}
		if mt.Examples != nil {
			for name, ex := range mt.Examples.FromOldest() {
				if v, ok := decodeNode(ex.Value); ok {
					c := r.base(KindExampleBody, "the example body "+name)
					c.Body = mustJSON(v)
					cases = append(cases, c)
				}
			}
		}
	}
	if len(cases) == 0 {
		detail := "a request built from the document"
		if r.mediaType != "" {
			detail = "a body built from the schema"
		}
		cases = append(cases, r.base(KindExampleBody, detail))
	}
	if r.schema != nil && strings.Contains(strings.ToLower(r.mediaType), "json") {
		c := r.base(KindGeneratedBodies, "bodies from a seeded generator")
		c.Body, c.mediaType = nil, r.mediaType
		cases = append(cases, c)
	}
	return cases
}

func (r request) mediaTypeObject() *v3.MediaType {
	if r.mediaType == "" {
		return nil
	}
	return spec.RequestMediaTypeOf(r.op, r.mediaType)
}
