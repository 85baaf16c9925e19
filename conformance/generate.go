package conformance

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/appmaker/refresh-conformance/spec"
)

// Kind names what a generated case does to the request; the positive kinds send a
// request the document allows.
type Kind string

// The kinds of generated cases.
const (
	KindRequiredRemoved  Kind = "negative: required property removed"
	KindWrongType        Kind = "negative: property of another type"
	KindRootType         Kind = "negative: body of another type"
	KindMalformedJSON    Kind = "negative: malformed JSON"
	KindEmptyBody        Kind = "negative: empty body"
	KindContentType      Kind = "negative: undeclared content type"
	KindNoCredentials    Kind = "negative: credentials left out"
	KindTooLong          Kind = "negative: string over maxLength"
	KindTooShort         Kind = "negative: string under minLength"
	KindOutsideEnum      Kind = "negative: value outside the enum"
	KindPatternMismatch  Kind = "negative: string not matching the pattern"
	KindHeaderMissing    Kind = "negative: required header missing"
	KindExampleBody      Kind = "positive: request built from the document"
	KindGeneratedBodies  Kind = "positive: bodies from a seeded generator"
	KindUndeclaredMethod Kind = "undeclared method"
)

// Positive reports whether the kind sends a request the document allows.
func (k Kind) Positive() bool { return strings.HasPrefix(string(k), "positive:") }

// Expectation is what the answer to a case must be.
type Expectation int

const (
	// ExpectDeclared4xx: a 4xx the operation declares; never 2xx, never 5xx.
	ExpectDeclared4xx Expectation = iota
	// ExpectDeclaredNon5xx: any status the operation declares except a 5xx.
	ExpectDeclaredNon5xx
	// ExpectNotAllowed: 404 or 405, for a method the path does not declare.
	ExpectNotAllowed
)

func (e Expectation) String() string {
	switch e {
	case ExpectDeclared4xx:
		return "a 4xx status the operation declares; never 2xx, never 5xx"
	case ExpectDeclaredNon5xx:
		return "a status the operation declares, not a 5xx"
	}
	return "404 or 405; never 2xx, never 5xx"
}

// Credentials says what a case presents: the held access token in each of Schemes (with
// an empty value instead when Empty), or nothing when Schemes is empty.
type Credentials struct {
	Schemes []spec.SecurityScheme
	Empty   bool
}

func (c Credentials) String() string {
	if len(c.Schemes) == 0 {
		return "none"
	}
	names := make([]string, len(c.Schemes))
	for i, s := range c.Schemes {
		names[i] = s.Name
	}
	if c.Empty {
		return strings.Join(names, " and ") + " presented empty"
	}
	return "the held access token as " + strings.Join(names, " and ")
}

// Case is one generated request and the answer it must get.
type Case struct {
	// Name is stable across runs and distinct within a document.
	Name      string
	Kind      Kind
	Operation *spec.Operation // nil for an undeclared method
	Method    string
	// Path is the path template with its parameters filled in; Query holds the query.
	Path  string
	Query url.Values
	// Header holds the header parameters, not the credentials.
	Header http.Header
	// ContentType is sent as Call.ContentType does it: "-" sends none.
	ContentType string
	// Body is sent as is; nil sends none. Empty for KindGeneratedBodies, whose bodies
	// are drawn when it runs.
	Body        []byte
	Credentials Credentials
	Expect      Expectation
	// mediaType is the request media type whose schema KindGeneratedBodies draws from.
	mediaType string
}

// Expectation says, in words to check against the document, what the answer must be.
func (c Case) Expectation() string {
	if c.Operation == nil {
		return c.Expect.String()
	}
	statuses := c.Operation.Statuses()
	if c.Expect == ExpectDeclared4xx {
		statuses = slices.DeleteFunc(statuses, func(s string) bool { return !strings.HasPrefix(s, "4") && s != "default" })
	}
	return fmt.Sprintf("%s (declared: %s)", c.Expect, strings.Join(statuses, ", "))
}

// Safe reports whether the case uses up no valid refresh token and changes nothing a
// correct server keeps: it sends no token anyone issued as a refresh token, and a request
// the document allows is only sent where it reads (GET, HEAD) or refreshes with a token
// nobody issued.
func (c Case) Safe() bool {
	if !c.Kind.Positive() {
		return true
	}
	return c.Method == http.MethodGet || c.Method == http.MethodHead ||
		(c.Operation != nil && c.Operation.ID == spec.RefreshOperationID)
}

// Group names what the summary counts the case under: the operation, or the path for
// an undeclared method.
func (c Case) Group() string {
	if c.Operation == nil {
		return "(undeclared) " + c.Path
	}
	return c.Operation.String()
}

// probedMethods are the methods tried on every path that does not declare them. OPTIONS
// is left out: a server may answer a CORS preflight with 2xx on any path.
var probedMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// Generate derives the cases of every operation of doc, then those of the methods each
// path does not declare, in a stable order.
func Generate(doc *spec.Spec) []Case {
	var cases []Case
	for _, op := range doc.Operations() {
		cases = append(cases, operationCases(op)...)
	}
	paths := doc.Paths()
	var ordered []string
	for p := range paths {
		ordered = append(ordered, p)
	}
	slices.Sort(ordered)
	for _, p := range ordered {
		cases = append(cases, undeclaredMethodCases(doc, p, paths[p])...)
	}
	return cases
}

func undeclaredMethodCases(doc *spec.Spec, path string, declared []string) []Case {
	var any *spec.Operation
	for _, op := range doc.Operations() {
		if op.Path == path {
			any = op
			break
		}
	}
	base := newRequest(any)
	var cases []Case
	for _, m := range probedMethods {
		// RFC 9110 §9.3.2: a server that answers GET may answer HEAD the same way.
		if slices.Contains(declared, m) || (m == http.MethodHead && slices.Contains(declared, http.MethodGet)) {
			continue
		}
		cases = append(cases, Case{
			Name: fmt.Sprintf("%s %s: a method the path does not declare", m, path), Kind: KindUndeclaredMethod,
			Method: m, Path: base.path, Query: base.query, Header: base.header, ContentType: "-",
			Credentials: base.held, Expect: ExpectNotAllowed,
		})
	}
	return cases
}
