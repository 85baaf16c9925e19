package spec

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi/datamodel"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/index"
)

// EmbeddedFile is the name of the embedded document, a verbatim copy of the published one.
const EmbeddedFile = "appmaker-refresh-token.openapi.json"

//go:embed appmaker-refresh-token.openapi.json
var embedded []byte

// RefreshOperationID is the operationId of POST /auth/refresh-token.
const RefreshOperationID = "refreshToken"

// Spec is a loaded, built and validated-once OpenAPI 3 document. It is safe for
// concurrent use.
type Spec struct {
	source string
	raw    []byte
	// lib is libopenapi's document, model and validator (a *library), behind plain
	// method signatures: see the package doc for why no field here has their types.
	lib        validation
	operations []*Operation
	byID       map[string]*Operation
	servers    []Server
}

// validation is what Spec's methods ask of libopenapi-validator.
type validation interface {
	validateSecurity(r *http.Request, op *Operation) []*ValidationError
	validateInput(r *http.Request, op *Operation) []*ValidationError
	validateResponse(r *http.Request, op *Operation, resp *http.Response) []*ValidationError
}

// library is what Spec holds of libopenapi.
type library struct {
	doc       libopenapi.Document
	model     *v3.Document
	validator validator.Validator
}

var _ validation = (*library)(nil)

// Server is one entry of the document's servers list.
type Server struct {
	URL         string
	Description string
	// BasePath is the path of URL without a trailing slash ("/api/v1"), "" for the root.
	BasePath string
	// Local reports whether the server is on localhost or a loopback address.
	Local bool
}

// Load builds the embedded document.
func Load() (*Spec, error) { return parse(EmbeddedFile+" (embedded)", embedded) }

// LoadFile reads and builds the document at path (JSON or YAML).
func LoadFile(path string) (*Spec, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	return parse(path, raw)
}

// Parse builds a document from bytes; source names it in errors.
func Parse(source string, raw []byte) (*Spec, error) { return parse(source, raw) }

// Embedded returns the embedded document's bytes, exactly as published.
func Embedded() []byte { return append([]byte(nil), embedded...) }

func parse(source string, raw []byte) (*Spec, error) {
	cfg := datamodel.NewDocumentConfiguration()
	// libopenapi logs every resolution problem itself; we report them once, in the returned error.
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	doc, err := libopenapi.NewDocumentWithConfiguration(raw, cfg)
	if err != nil {
		return nil, fmt.Errorf("spec: %s: parse: %w", source, err)
	}
	if v := doc.GetVersion(); !strings.HasPrefix(v, "3.") {
		return nil, fmt.Errorf("spec: %s: only OpenAPI 3.x documents are supported, this one declares %q", source, v)
	}
	built, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("spec: %s: build model: %s", source, describeBuildError(err))
	}
	v, verrs := validator.NewValidator(doc)
	if len(verrs) > 0 {
		return nil, fmt.Errorf("spec: %s: build validator: %w", source, errors.Join(verrs...))
	}
	lib := &library{doc: doc, model: &built.Model, validator: v}
	s := &Spec{source: source, raw: raw, lib: lib, byID: map[string]*Operation{}}
	if err := indexModel(s, lib.model); err != nil {
		return nil, fmt.Errorf("spec: %s: %w", source, err)
	}
	return s, nil
}

// describeBuildError names each problem with the line libopenapi found it on.
func describeBuildError(err error) string {
	var parts []string
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, inner := range j.Unwrap() {
				walk(inner)
			}
			return
		}
		var ie *index.IndexingError
		if errors.As(e, &ie) && ie.Node != nil {
			parts = append(parts, fmt.Sprintf("line %d, column %d: %v", ie.Node.Line, ie.Node.Column, ie.Err))
			return
		}
		parts = append(parts, e.Error())
	}
	walk(err)
	return strings.Join(parts, "; ")
}

// indexModel fills s from model. It is a function, not a method: a method of Spec mentioning
// a libopenapi type, even an unexported one, costs every importer (see the package doc).
func indexModel(s *Spec, model *v3.Document) error {
	for _, srv := range model.Servers {
		s.servers = append(s.servers, newServer(srv.URL, srv.Description))
	}
	if model.Paths == nil || model.Paths.PathItems == nil {
		return errors.New("the document declares no paths")
	}
	for path, item := range model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			o := newOperation(model, strings.ToUpper(method), path, item, op)
			s.operations = append(s.operations, o)
			if o.ID != "" {
				if prev, dup := s.byID[o.ID]; dup {
					return fmt.Errorf("operationId %q is used by both %s and %s", o.ID, prev, o)
				}
				s.byID[o.ID] = o
			}
		}
	}
	sort.SliceStable(s.operations, func(i, j int) bool {
		if s.operations[i].Path != s.operations[j].Path {
			return s.operations[i].Path < s.operations[j].Path
		}
		return s.operations[i].Method < s.operations[j].Method
	})
	return nil
}

func newServer(raw, description string) Server {
	srv := Server{URL: raw, Description: description}
	u, err := url.Parse(raw)
	if err != nil {
		return srv
	}
	srv.BasePath = strings.TrimRight(u.Path, "/")
	host := u.Hostname()
	srv.Local = host == "localhost" || host == "127.0.0.1" || host == "::1"
	return srv
}

// Source names where the document came from (a path, or the embedded file).
func (s *Spec) Source() string { return s.source }

// Raw returns the document's bytes as loaded.
func (s *Spec) Raw() []byte { return s.raw }

// Servers lists the document's servers in order.
func (s *Spec) Servers() []Server { return append([]Server(nil), s.servers...) }

// LocalBasePath is the path of the first server on localhost, else of the first
// server, else "". The mock serves the operations under it.
func (s *Spec) LocalBasePath() string {
	for _, srv := range s.servers {
		if srv.Local {
			return srv.BasePath
		}
	}
	if len(s.servers) > 0 {
		return s.servers[0].BasePath
	}
	return ""
}

// Operations lists every operation, ordered by path then method.
func (s *Spec) Operations() []*Operation { return append([]*Operation(nil), s.operations...) }

// Operation finds an operation by its operationId.
func (s *Spec) Operation(id string) (*Operation, bool) {
	o, ok := s.byID[id]
	return o, ok
}

// Paths lists each declared path template with the methods it declares.
func (s *Spec) Paths() map[string][]string {
	out := map[string][]string{}
	for _, o := range s.operations {
		out[o.Path] = append(out[o.Path], o.Method)
	}
	return out
}
