package conformance

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/appmaker/refresh-conformance/spec"
)

// SendCase sends c with body (nil: none), presenting token in the schemes c names ("":
// the suite holds no access token), and validates the answer against the operation as
// Send does. Without an operation (an undeclared method) only a 5xx is a failure here.
func (cl *Client) SendCase(ctx context.Context, c Case, body []byte, token string) (*Exchange, error) {
	return cl.sendCase(ctx, c, body, token, cl.observe)
}

func (cl *Client) sendCase(ctx context.Context, c Case, body []byte, token string, observe func(*Exchange)) (*Exchange, error) {
	if err := cl.target.waitTurn(ctx); err != nil {
		return nil, err
	}
	reqCtx, cancel := context.WithTimeout(ctx, cl.target.Timeout)
	defer cancel()
	req, err := cl.caseRequest(reqCtx, c, body, token)
	if err != nil {
		return nil, err
	}
	ex, err := cl.roundTrip(req, body, observe)
	if err != nil {
		return ex, cl.transportFailure(ctx, ex, err)
	}
	if c.Operation == nil {
		if ex.Response.StatusCode >= 500 {
			return ex, newFailure(cl.redactor, ex, "no answer is a server error (5xx)", "paths."+c.Path,
				"answered %s with %s", ex.Response.Status, snippet(cl.redactor, ex.Body))
		}
		return ex, nil
	}
	return ex, Validate(cl.target.Spec, c.Operation, ex, cl.redactor)
}

// caseRequest builds c's request: the target's extra headers, c's parameters, content
// type and credentials.
func (cl *Client) caseRequest(ctx context.Context, c Case, body []byte, token string) (*http.Request, error) {
	var reader io.Reader = http.NoBody
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, cl.target.BaseURL+c.Path, reader)
	if err != nil {
		return nil, fmt.Errorf("conformance: build request of %q: %w", c.Name, err)
	}
	for name, values := range cl.target.Headers {
		req.Header[name] = append([]string(nil), values...)
	}
	for name, values := range c.Header {
		req.Header[name] = append([]string(nil), values...)
	}
	if c.ContentType != "-" && c.ContentType != "" {
		req.Header.Set("Content-Type", c.ContentType)
	}
	req.Header.Set("Accept", "application/json")
	query := cloneValues(c.Query)
	for _, s := range c.Credentials.Schemes {
		value := token
		if c.Credentials.Empty {
			value = ""
		} else if token == "" {
			continue // the suite holds no access token: nothing to present
		}
		present(req, query, s, value)
	}
	req.URL.RawQuery = query.Encode()
	return req, nil
}

// present puts value where scheme s carries it.
func present(req *http.Request, query map[string][]string, s spec.SecurityScheme, value string) {
	switch {
	case s.Type == "apiKey" && s.In == "query":
		query[s.Param] = []string{value}
	case s.Type == "apiKey" && s.In == "cookie":
		req.AddCookie(&http.Cookie{Name: s.Param, Value: value})
	case s.Type == "apiKey":
		req.Header.Set(s.Param, value)
	default: // http bearer, oauth2, openIdConnect
		req.Header.Set("Authorization", "Bearer "+value)
	}
}

// CheckCase sends c (not a KindGeneratedBodies case: see CheckGeneratedBodies) and
// checks its expectation on top of the validation every answer gets.
func CheckCase(ctx context.Context, cl *Client, c Case, token string) error {
	ex, err := cl.SendCase(ctx, c, c.Body, token)
	if err != nil {
		return err
	}
	code := ex.Response.StatusCode
	switch c.Expect {
	case ExpectDeclared4xx:
		if code >= 400 && code < 500 {
			return nil
		}
		return newFailure(cl.redactor, ex, "a request the document does not allow ("+string(c.Kind)+") is refused with a 4xx it declares",
			OperationLocation(c.Operation)+".responses", "answered %s with %s; want %s",
			ex.Response.Status, snippet(cl.redactor, ex.Body), c.Expectation())
	case ExpectNotAllowed:
		if code == http.StatusNotFound || code == http.StatusMethodNotAllowed {
			return nil
		}
		return newFailure(cl.redactor, ex, "a method the path does not declare answers 404 or 405", "paths."+pathTemplate(cl.target.Spec, c),
			"%s answered %s with %s", c.Method, ex.Response.Status, snippet(cl.redactor, ex.Body))
	}
	return nil
}

// pathTemplate is the template c's path was filled from, for the failure's location.
func pathTemplate(doc *spec.Spec, c Case) string {
	for _, op := range doc.Operations() {
		if newRequest(op).path == c.Path {
			return op.Path
		}
	}
	return c.Path
}
