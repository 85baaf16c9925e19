package spec

import (
	"fmt"
	"strconv"
	"strings"

	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"
)

// Operation is one method on one path of the document, with what the mock and the
// suite need to know about it precomputed at load time.
type Operation struct {
	ID     string // operationId, may be empty
	Method string // upper case: "POST"
	Path   string // the path template as written: "/auth/refresh-token"

	// model is the operation's libopenapi objects, an *operationModel; typed any so that
	// no field of Operation has their types (see the package doc). modelOf reads it.
	model       any
	statuses    []string // "201", "4XX", "default", in document order
	responses   map[string][]string
	requestCTs  []string
	bodyReq     bool
	ownSecurity bool
	security    []SecurityRequirement
	parameters  []Parameter
}

// operationModel is what an Operation holds of libopenapi's model.
type operationModel struct {
	item       *v3.PathItem
	op         *v3.Operation
	parameters []*v3.Parameter // path-item ones first
}

func modelOf(o *Operation) *operationModel { return o.model.(*operationModel) }

// Parameter is one declared parameter of an operation.
type Parameter struct {
	Name     string
	In       string // path, query, header, cookie
	Required bool
}

// SecurityRequirement is one alternative of an operation's security: every scheme in it
// must be satisfied. An empty requirement means the operation may be called anonymously.
type SecurityRequirement []SecurityScheme

// SecurityScheme is a resolved components.securitySchemes entry.
type SecurityScheme struct {
	Name   string // key in components.securitySchemes
	Type   string // http, apiKey, oauth2, openIdConnect
	Scheme string // for http: bearer, basic
	In     string // for apiKey: header, query, cookie
	Param  string // for apiKey: the header, query or cookie name
}

func newOperation(model *v3.Document, method, path string, item *v3.PathItem, op *v3.Operation) *Operation {
	m := &operationModel{item: item, op: op}
	o := &Operation{ID: op.OperationId, Method: method, Path: path, model: m, responses: map[string][]string{}}
	if op.Responses != nil {
		if op.Responses.Codes != nil {
			for code, r := range op.Responses.Codes.FromOldest() {
				o.statuses = append(o.statuses, strings.ToUpper(code))
				o.responses[strings.ToUpper(code)] = mediaTypes(r.Content)
			}
		}
		if op.Responses.Default != nil {
			o.statuses = append(o.statuses, "default")
			o.responses["default"] = mediaTypes(op.Responses.Default.Content)
		}
	}
	if rb := op.RequestBody; rb != nil {
		o.requestCTs = mediaTypes(rb.Content)
		o.bodyReq = rb.Required != nil && *rb.Required
	}
	reqs := op.Security
	o.ownSecurity = reqs != nil
	if reqs == nil {
		reqs = model.Security
	}
	for _, r := range reqs {
		var req SecurityRequirement
		if r.Requirements != nil {
			for name := range r.Requirements.FromOldest() {
				req = append(req, securityScheme(model, name))
			}
		}
		o.security = append(o.security, req)
	}
	m.parameters = append(append(m.parameters, item.Parameters...), op.Parameters...)
	for _, p := range m.parameters {
		if p != nil {
			o.parameters = append(o.parameters, Parameter{Name: p.Name, In: p.In, Required: p.Required != nil && *p.Required})
		}
	}
	return o
}

func securityScheme(model *v3.Document, name string) SecurityScheme {
	sc := SecurityScheme{Name: name}
	if model.Components == nil || model.Components.SecuritySchemes == nil {
		return sc
	}
	if def, ok := model.Components.SecuritySchemes.Get(name); ok && def != nil {
		sc.Type, sc.Scheme, sc.In, sc.Param = def.Type, strings.ToLower(def.Scheme), def.In, def.Name
	}
	return sc
}

func mediaTypes(content *orderedmap.Map[string, *v3.MediaType]) []string {
	var out []string
	if content == nil {
		return out
	}
	for k := range content.KeysFromOldest() {
		out = append(out, k)
	}
	return out
}

func (o *Operation) String() string { return o.Method + " " + o.Path }

// Statuses lists the declared response keys as written: "201", "4XX", "default".
func (o *Operation) Statuses() []string { return append([]string(nil), o.statuses...) }

// StatusKey returns the response key that covers code: the exact code, then its
// range ("4XX"), then "default"; ok is false when the operation declares none.
func (o *Operation) StatusKey(code int) (key string, ok bool) {
	exact := strconv.Itoa(code)
	if _, ok := o.responses[exact]; ok {
		return exact, true
	}
	if rng := fmt.Sprintf("%dXX", code/100); contains(o.statuses, rng) {
		return rng, true
	}
	if contains(o.statuses, "default") {
		return "default", true
	}
	return "", false
}

// DeclaresStatus reports whether the operation declares code, by exact code, range or default.
func (o *Operation) DeclaresStatus(code int) bool {
	_, ok := o.StatusKey(code)
	return ok
}

// ResponseMediaTypes lists the media types declared for the response that covers code.
func (o *Operation) ResponseMediaTypes(code int) []string {
	key, _ := o.StatusKey(code)
	return append([]string(nil), o.responses[key]...)
}

// RequestMediaTypes lists the media types the request body may have.
func (o *Operation) RequestMediaTypes() []string { return append([]string(nil), o.requestCTs...) }

// RequestBodyRequired reports whether the document marks the request body required.
func (o *Operation) RequestBodyRequired() bool { return o.bodyReq }

// Security lists the alternatives of the operation's effective security (operation
// level, else document level).
func (o *Operation) Security() []SecurityRequirement {
	return append([]SecurityRequirement(nil), o.security...)
}

// DeclaresSecurity reports whether the operation declares its own security; when it
// does not, the document's applies.
func (o *Operation) DeclaresSecurity() bool { return o.ownSecurity }

// Parameters lists path-item and operation parameters, path-item ones first.
func (o *Operation) Parameters() []Parameter {
	return append([]Parameter(nil), o.parameters...)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
