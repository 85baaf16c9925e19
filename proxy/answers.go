package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/appmaker/refresh-conformance/spec"
)

// refuse answers a request the document does not allow, with --strict, as the document
// declares: 401 with its UnauthorizedError for a missing credential, 400 with its
// validation error body for the rest. The upstream never sees it.
func (p *Proxy) refuse(w http.ResponseWriter, ex *exchange) {
	ex.release(p)
	f := ex.requestFailure
	message := f.Rule + ": " + f.Seen
	status, body := http.StatusBadRequest, any(nil)
	if strings.HasSuffix(f.Location, "security") && ex.op.DeclaresStatus(http.StatusUnauthorized) {
		status, body = http.StatusUnauthorized, spec.UnauthorizedError{APIError: []string{message}}
	} else {
		field := "body"
		switch {
		case strings.HasSuffix(f.Location, ".requestBody.content"):
			field = "Content-Type"
		case strings.HasSuffix(f.Location, ".parameters"):
			field = "parameters"
		case strings.HasSuffix(f.Location, "security"):
			field = "Authorization"
		}
		body = spec.ValidationErrorBody{ValidationError: map[string][]string{field: {message}}}
	}
	raw, _ := json.Marshal(body) // plain structs of strings
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set(AnswerHeader, "refused")
	resp := &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Proto: "HTTP/1.1", Header: h.Clone()}
	ex.judged.Response, ex.judged.Body = resp, raw
	ex.judged.Duration = p.cfg.now().Sub(ex.start)
	p.observe(ex, h, status, raw, true)
	p.annotate(h, ex)
	w.WriteHeader(status)
	_, _ = w.Write(raw)
	p.emit(ex, true, status)
}

// answerError answers when the upstream gave no answer in time, or none at all: 504 or
// 502 with a JSON body.
func (p *Proxy) answerError(w http.ResponseWriter, r *http.Request, err error) {
	ex, _ := r.Context().Value(exchangeKey{}).(*exchange)
	if ex != nil {
		ex.release(p)
	}
	status, code, rule := http.StatusBadGateway, "upstream_unreachable", RuleUpstreamUnreachable
	message := "the proxy could not get an answer from the upstream: " + err.Error()
	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		status, code, rule = http.StatusGatewayTimeout, "upstream_timeout", RuleUpstreamTimeout
		message = fmt.Sprintf("the upstream did not answer within %s", p.cfg.timeout)
	}
	appGone := errors.Is(r.Context().Err(), context.Canceled)
	if ex != nil && !appGone {
		message = ex.redactor.Redact(message)
		party, description := PartyProxy, "the upstream can be reached"
		if rule == RuleUpstreamTimeout {
			party, description = PartyServer, "an answer comes in time, never a hang"
		}
		ex.add(rule, party, description, "proxy --timeout", message)
		ex.judged.Duration = p.cfg.now().Sub(ex.start)
		p.annotate(w.Header(), ex)
	}
	writeProxyError(w, status, code, message)
	if ex != nil && !appGone {
		p.emit(ex, false, status)
	}
}

// ProxyError is the body of an answer the proxy gives itself.
type ProxyError struct {
	ProxyError struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"proxyError"`
}

func writeProxyError(w http.ResponseWriter, status int, code, message string) {
	var body ProxyError
	body.ProxyError.Code, body.ProxyError.Message = code, redactText(message)
	raw, _ := json.Marshal(body)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set(AnswerHeader, strings.ReplaceAll(code, "_", "-"))
	w.WriteHeader(status)
	_, _ = w.Write(raw)
}

// UpstreamTransport is the transport to the upstream: http.DefaultTransport's settings,
// trusting the PEM certificates in caFile besides the system's, and with insecure not
// verifying the upstream's certificate at all.
func UpstreamTransport(caFile string, insecure bool) (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64 // an app's requests all go to one host
	if caFile == "" && !insecure {
		return t, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: insecure} //nolint:gosec // asked for by --upstream-insecure
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("proxy: upstream CA: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("proxy: upstream CA: %s holds no PEM certificate", caFile)
		}
		cfg.RootCAs = pool
	}
	t.TLSClientConfig = cfg
	return t, nil
}
