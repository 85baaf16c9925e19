package conformance

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/appmaker/refresh-conformance/spec"
)

// maxAnswerBytes bounds how much of an answer is read; no declared answer is near it.
const maxAnswerBytes = 1 << 20

// Credential is how a request presents its access token, per the operation's security.
type Credential struct {
	header, prefix, token string
}

// Bearer presents token as "Authorization: Bearer <token>" (securitySchemes.bearerAuth).
func Bearer(token string) Credential { return Credential{"Authorization", "Bearer ", token} }

// AccessTokenHeader presents token as "x-access-token: <token>" (securitySchemes.accessToken).
func AccessTokenHeader(token string) Credential { return Credential{"x-access-token", "", token} }

// NoCredential presents nothing.
var NoCredential = Credential{}

// Present reports whether the credential sends anything.
func (c Credential) Present() bool { return c.header != "" }

// Call is one request to the refresh operation.
type Call struct {
	Credential Credential
	// Body is sent as is; nil sends no body at all.
	Body []byte
	// ContentType defaults to application/json; "-" sends no Content-Type.
	ContentType string
}

// RefreshCall is the valid request that refreshes refreshToken, presenting cred.
func RefreshCall(cred Credential, refreshToken string) Call {
	return Call{Credential: cred, Body: RefreshBody(refreshToken)}
}

// Client sends requests to the target's refresh operation, validates every answer against
// the document and hands every exchange to its observer. It is safe for concurrent use.
type Client struct {
	target    *Target
	url       string
	transport *http.Transport
	http      *http.Client
	redactor  *Redactor
	observe   func(*Exchange)
	advise    func(*Exchange, []Advisory)
}

// NewClient returns a client for t, redacting with r. observe, if not nil, sees every
// exchange (a report attaches it); it must not keep secrets unredacted. The client's rate
// limit (CONFORMANCE_RPS) is set on t, so that a token source on t keeps to it too.
func NewClient(t *Target, r *Redactor, observe func(*Exchange)) *Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = t.TLS
	c := &Client{
		target:    t,
		url:       t.BaseURL + t.Operation.Path,
		transport: transport,
		http:      &http.Client{Timeout: t.Timeout, Transport: transport},
		redactor:  r,
		observe:   observe,
	}
	if t.RPS > 0 && t.pacer == nil {
		t.pacer = rate.NewLimiter(rate.Limit(t.RPS), 1)
	}
	if t.RevealTokens {
		r.Reveal()
	}
	for _, values := range t.Headers {
		for _, v := range values {
			r.Add(v) // a gateway key is as secret as a token
		}
	}
	if u, err := url.Parse(t.BaseURL); err == nil && u.User != nil {
		if password, ok := u.User.Password(); ok {
			r.Add(password)
		}
	}
	return c
}

// Redactor is the redactor every report of this client goes through.
func (c *Client) Redactor() *Redactor { return c.redactor }

// Target is what the client talks to.
func (c *Client) Target() *Target { return c.target }

// Send sends call and validates the answer against the document. The exchange is
// returned whenever a request was made; the error is a *Failure when no answer came in
// time or the answer breaks the document, a *NotJudged when a gateway kept refusing it
// (CONFORMANCE_RETRY_STATUS) past the retry budget, or a plain error for a broken context.
func (c *Client) Send(ctx context.Context, call Call) (*Exchange, error) {
	return c.send(ctx, call, c.http, true)
}

// send is Send through hc (a connection of its own for a racing request); paced waits
// for the rate limit before the first try (a race waited for all its racers at once).
func (c *Client) send(ctx context.Context, call Call, hc *http.Client, paced bool) (*Exchange, error) {
	tries := 0
	return c.retrying(ctx, func() (*Exchange, error) {
		if tries++; paced || tries > 1 {
			if err := c.target.waitTurn(ctx); err != nil {
				return nil, err
			}
		}
		req, err := c.newRequest(ctx, call)
		if err != nil {
			return nil, err
		}
		reqCtx, cancel := context.WithTimeout(ctx, c.target.Timeout)
		defer cancel()
		return c.roundTripWith(hc, req.WithContext(reqCtx), call.Body, c.observe)
	}, func(ctx context.Context, ex *Exchange) error {
		if err := Validate(c.target.Spec, c.target.Operation, ex, c.redactor); err != nil {
			return err
		}
		return c.checkAdvisories(ex)
	})
}

// roundTrip sends req and reads its answer, at most maxAnswerBytes. Every secret the
// answer carries is registered with the redactor before observe (if any) sees the
// exchange. The error is the transport's; the exchange is returned either way.
func (c *Client) roundTrip(req *http.Request, body []byte, observe func(*Exchange)) (*Exchange, error) {
	return c.roundTripWith(c.http, req, body, observe)
}

func (c *Client) roundTripWith(hc *http.Client, req *http.Request, body []byte, observe func(*Exchange)) (*Exchange, error) {
	ex := &Exchange{Request: req, RequestBody: body}
	start := time.Now()
	resp, err := hc.Do(req)
	if err == nil {
		ex.Body, err = io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(ex.Body))
		ex.Response = resp
	}
	ex.Duration = time.Since(start)
	c.redactor.AddFromJSON(ex.Body)
	if ex.Response != nil {
		c.addHeaderSecrets(ex.Response)
	}
	if observe != nil {
		observe(ex)
	}
	return ex, err
}

func (c *Client) newRequest(ctx context.Context, call Call) (*http.Request, error) {
	var body io.Reader = http.NoBody
	if call.Body != nil {
		body = bytes.NewReader(call.Body)
	}
	req, err := http.NewRequestWithContext(ctx, c.target.Operation.Method, c.url, body)
	if err != nil {
		return nil, fmt.Errorf("conformance: build request: %w", err)
	}
	for name, values := range c.target.Headers {
		req.Header[name] = append([]string(nil), values...)
	}
	switch call.ContentType {
	case "":
		req.Header.Set("Content-Type", "application/json")
	case "-":
		req.Header.Del("Content-Type")
	default:
		req.Header.Set("Content-Type", call.ContentType)
	}
	req.Header.Set("Accept", "application/json")
	// Tokens are registered with the redactor where they come from (a token source, an
	// answer); what a check makes up to send is junk, not a secret.
	if call.Credential.Present() {
		req.Header.Set(call.Credential.header, call.Credential.prefix+call.Credential.token)
	}
	return req, nil
}

// addHeaderSecrets registers what an answer's headers may carry besides its body: cookie
// values and any header that names a token or credentials.
func (c *Client) addHeaderSecrets(resp *http.Response) {
	for _, cookie := range resp.Cookies() {
		c.redactor.Add(cookie.Value)
	}
	for name, values := range resp.Header {
		lower := strings.ToLower(name)
		if strings.Contains(lower, "token") || strings.Contains(lower, "authorization") {
			for _, v := range values {
				c.redactor.Add(v)
				if _, credential, ok := strings.Cut(v, " "); ok {
					c.redactor.Add(credential)
				}
			}
		}
	}
}

// transportFailure names what went wrong when no complete answer came: above all, a
// timeout. A caller's context that ended first is the caller's business, not a failure.
func (c *Client) transportFailure(ctx context.Context, ex *Exchange, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("conformance: %s %s: %w", ex.Request.Method, c.redactor.Redact(ex.Request.URL.String()), context.Cause(ctx))
	}
	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return newFailure(c.redactor, ex, "every request is answered within the timeout",
			fmt.Sprintf("CONFORMANCE_TIMEOUT=%s", c.target.Timeout),
			"%s %s got no complete answer within %s", ex.Request.Method, ex.Request.URL, c.target.Timeout)
	}
	hint := ""
	var unknownCA x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var hostname x509.HostnameError
	if errors.As(err, &unknownCA) || errors.As(err, &invalid) || errors.As(err, &hostname) {
		hint = " (a private CA: CONFORMANCE_CA_FILE; for a test server only: CONFORMANCE_INSECURE_TLS=1)"
	}
	return newFailure(c.redactor, ex, "the server answers", OperationLocation(c.target.Operation),
		"%s %s failed: %v%s", ex.Request.Method, ex.Request.URL, err, hint)
}

// RefreshBody is the document's request body for refreshToken.
func RefreshBody(refreshToken string) []byte {
	body, err := json.Marshal(spec.RefreshTokenRequest{RefreshToken: refreshToken})
	if err != nil {
		panic("conformance: a struct of one string always marshals: " + err.Error())
	}
	return body
}
