package proxy

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/appmaker/refresh-conformance/conformance"
	"github.com/appmaker/refresh-conformance/mock/diagnose"
	"github.com/appmaker/refresh-conformance/spec"
)

type exchangeKey struct{}

// exchange is one request of a declared operation on its way through the proxy.
type exchange struct {
	id    uint64
	op    *spec.Operation
	start time.Time
	// in is the request forwarded, its body read up to MaxValidatedBody and replayed.
	in *http.Request
	// judged holds what the conformance package judges: the request as sent to the
	// upstream, both bodies (or their first MaxValidatedBody+1 bytes) and the answer.
	judged   *conformance.Exchange
	redactor *conformance.Redactor
	// requestFailure is the request's broken document rule, if any.
	requestFailure *conformance.Failure
	// presented is the fingerprint of the refresh token the request presented.
	presented *fingerprint
	family    *fingerprint
	// token is the presented refresh token's fingerprint as the client diagnostics name it;
	// rotated and replayed say what the 201 did with it (a new pair, or a grace window's
	// same pair again).
	token             string
	rotated, replayed bool
	// eventID is the exchange's event in the journal, once taken.
	eventID  uint64
	released bool
	found    []pending
}

// pending is a violation without its time and record, which emit adds.
type pending struct {
	rule                        Rule
	party                       Party
	description, location, seen string
	family                      *fingerprint
}

func (ex *exchange) add(rule Rule, party Party, description, location, seen string) {
	ex.found = append(ex.found, pending{rule, party, description, location, seen, ex.family})
}

func (ex *exchange) addFailure(rule Rule, party Party, err error) {
	var f *conformance.Failure
	if errors.As(err, &f) {
		ex.add(rule, party, f.Rule, f.Location, f.Seen)
	}
}

// newExchange reads r's body (up to the limit), judges the request against the document
// and, for a refresh, records the token it presents.
func (p *Proxy) newExchange(r *http.Request, op *spec.Operation) (*exchange, error) {
	ex := &exchange{id: p.seq.Add(1), op: op, start: p.cfg.now(), in: r.WithContext(r.Context()), redactor: conformance.NewRedactor()}
	body, complete, err := capture(r.Body)
	if err != nil {
		return nil, err
	}
	switch {
	case r.Body == nil || r.Body == http.NoBody:
	case complete:
		ex.in.Body = io.NopCloser(bytes.NewReader(body))
		ex.in.ContentLength = int64(len(body))
	default:
		ex.in.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
	}
	sent := ex.in.WithContext(r.Context())
	u := *r.URL
	u.Scheme, u.Host = p.upstream.Scheme, p.upstream.Host
	sent.URL = &u
	ex.judged = &conformance.Exchange{Request: sent, RequestBody: body}
	for _, h := range []string{"Authorization", "Proxy-Authorization"} {
		if _, token, ok := cutScheme(r.Header.Get(h)); ok {
			ex.redactor.Add(token)
		}
	}
	ex.redactor.Add(r.Header.Get("x-access-token"))
	ex.redactor.AddFromJSON(body)
	plain, why := decoded(r.Header, body, complete)
	if why != "" {
		ex.unjudged("request", why)
		return ex, nil
	}
	ex.judged.RequestBody = plain
	if err := conformance.ValidateRequest(p.doc, op, ex.judged, ex.redactor); err != nil {
		errors.As(err, &ex.requestFailure)
		ex.addFailure(RuleInvalidRequest, PartyClient, err)
	}
	if op.ID == spec.RefreshOperationID {
		var req spec.RefreshTokenRequest
		if json.Unmarshal(plain, &req) == nil && req.RefreshToken != "" {
			f := fingerprintOf(req.RefreshToken)
			family, found := p.families.present(f, ex.id)
			ex.presented, ex.family, ex.token = &f, &family, diagnose.Fingerprint(req.RefreshToken)
			if found != nil {
				ex.add(found.rule, found.party, found.description, found.location, found.seen)
			}
		}
	}
	return ex, nil
}

// release ends the presentation of the exchange's refresh token once its answer is known,
// before the app can read it: an app that retries the token after a refusal presents it
// once again, not twice at once.
func (ex *exchange) release(p *Proxy) {
	if ex.presented != nil && !ex.released {
		ex.released = true
		p.families.release(*ex.presented)
	}
}

// judgeResponse judges the upstream's answer to a declared operation before it is
// forwarded, so that --annotate can name what it broke.
func (p *Proxy) judgeResponse(resp *http.Response) error {
	ex, _ := resp.Request.Context().Value(exchangeKey{}).(*exchange)
	if ex == nil {
		return nil
	}
	ex.judged.Duration = p.cfg.now().Sub(ex.start)
	ex.release(p)
	body, complete, err := capture(resp.Body)
	if err != nil {
		return err
	}
	judged := *resp
	judged.Body = io.NopCloser(bytes.NewReader(body))
	ex.judged.Response, ex.judged.Body = &judged, body
	if complete {
		resp.Body = io.NopCloser(bytes.NewReader(body))
	} else {
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
	}
	plain, why := decoded(resp.Header, body, complete)
	ex.judged.Body = plain
	if resp.StatusCode < 300 {
		// Only an answer that hands out tokens is searched for them: an error body's
		// "refreshToken" key holds a message, and a token echoed there is the one the
		// request presented, registered already.
		ex.redactor.AddFromJSON(plain)
	}
	switch {
	case why != "":
		ex.judged.Body = body
		ex.unjudged("response", why)
	default:
		judged.Body = io.NopCloser(bytes.NewReader(plain))
		if err := conformance.Validate(p.doc, ex.op, ex.judged, ex.redactor); err != nil {
			ex.addFailure(RuleInvalidResponse, PartyServer, err)
		} else if ex.op.ID == spec.RefreshOperationID && resp.StatusCode == http.StatusCreated {
			p.judgeRotation(ex)
		}
	}
	p.observe(ex, resp.Header, resp.StatusCode, ex.judged.Body, false)
	ex.judged.Response = resp // the record shows the headers as forwarded
	p.annotate(resp.Header, ex)
	p.emit(ex, false, resp.StatusCode)
	return nil
}

// judgeRotation judges a refresh's 201 across the exchanges seen before it.
func (p *Proxy) judgeRotation(ex *exchange) {
	pair, err := conformance.CheckRefreshAnswer(ex.judged, ex.redactor)
	if err != nil {
		ex.addFailure(RuleInvalidResponse, PartyServer, err)
		return
	}
	found, replayed := p.families.answered(ex.presented, pair.AccessToken, pair.RefreshToken, ex.id)
	ex.replayed = replayed
	ex.rotated = ex.presented != nil && !replayed
	for _, f := range found {
		ex.found = append(ex.found, pending{f.rule, f.party, f.description, f.location, f.seen, &f.family})
		if f.rule == RuleNoRotation {
			ex.rotated = false
		}
	}
}

// unjudged reports a body the proxy forwarded without judging it, and why.
func (ex *exchange) unjudged(side, why string) {
	ex.add(RuleUnvalidatedBody, PartyProxy, "a body the proxy cannot read in full (over 64 KiB, or encoded) passes through unjudged",
		"proxy.MaxValidatedBody", "the "+side+" body "+why+": forwarded as it came, not judged")
}

// decoded is body as its schema sees it: a gzip body inflated. why says what keeps the
// proxy from reading it: cut at the limit, or encoded in a way it does not decode.
func decoded(h http.Header, body []byte, complete bool) (plain []byte, why string) {
	if !complete {
		return nil, fmt.Sprintf("is over %d bytes", MaxValidatedBody)
	}
	switch enc := strings.ToLower(strings.TrimSpace(h.Get("Content-Encoding"))); enc {
	case "", "identity":
		return body, ""
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, "is not the gzip stream its Content-Encoding says"
		}
		plain, err := io.ReadAll(io.LimitReader(zr, MaxValidatedBody+1))
		switch {
		case err != nil:
			return nil, "is not the gzip stream its Content-Encoding says"
		case len(plain) > MaxValidatedBody:
			return nil, fmt.Sprintf("is over %d bytes once inflated", MaxValidatedBody)
		}
		return plain, ""
	default:
		return nil, fmt.Sprintf("is encoded with %q, which the proxy does not decode", enc)
	}
}

// capture reads body up to MaxValidatedBody+1 bytes. complete reports that it read all
// of it (and closed it); otherwise the rest is still to be read from body.
func capture(body io.ReadCloser) (read []byte, complete bool, err error) {
	if body == nil || body == http.NoBody {
		return nil, true, nil
	}
	read, err = io.ReadAll(io.LimitReader(body, MaxValidatedBody+1))
	if err != nil {
		return read, false, err
	}
	if len(read) > MaxValidatedBody {
		return read, false, nil
	}
	body.Close()
	return read, true, nil
}

// annotate names the rules the exchange broke, with WithAnnotate.
func (p *Proxy) annotate(h http.Header, ex *exchange) {
	if !p.cfg.annotate {
		return
	}
	var rules []string
	for _, f := range ex.found {
		if f.party != PartyProxy || f.rule == RuleUpstreamTimeout {
			rules = append(rules, string(f.rule))
		}
	}
	if len(rules) == 0 {
		return
	}
	h[ViolationHeader] = []string{strings.Join(rules, ", ")}
	if h.Get("Access-Control-Allow-Origin") != "" {
		h.Add("Access-Control-Expose-Headers", ViolationHeader)
	}
}
