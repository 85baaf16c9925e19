package mock

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/appmaker/refresh-conformance/spec"
)

// operationHandler serves one document operation.
type operationHandler func(w http.ResponseWriter, r *http.Request, op *spec.Operation)

// serveOperation wraps the handler of op with the fault rules. With no rule set, the
// cost is one atomic load (one read of the shared rules in a fleet).
func (s *Server) serveOperation(op *spec.Operation, h operationHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		note(r.Context(), func(v *verdict) { v.op = op })
		f, err := s.faults.take(r.Context(), op, func() scope { return s.requestScope(r, op) })
		if err != nil {
			s.writeError(w, r, op, err)
			return
		}
		if f == nil {
			h(w, r, op)
			return
		}
		note(r.Context(), func(v *verdict) { v.fault = f.describe() })
		s.applyFault(w, r, op, f, h)
	}
}

// applyFault runs the operation (or the forced status) into a held answer, waits the
// rule's latency, then sends the answer or drops the connection.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, op *spec.Operation, f *fault, h operationHandler) {
	held := &heldResponse{header: w.Header()}
	switch {
	case f.rule.LostRequest:
		// The request never arrived: the operation does not run.
	case f.outside:
		writeOutside(held, f)
	case f.rule.Status != 0:
		cause := fmt.Sprintf("fault rule %d (POST /__mock/faults)", f.rule.ID)
		s.force(held, r, op, &forcedError{status: f.rule.Status, code: f.rule.Code, cause: cause, field: "fault"}, preference{})
	default:
		h(held, r, op)
	}
	if f.latency > 0 {
		// The held answer may outlast the server's write timeout; give it room.
		_ = http.NewResponseController(w).SetWriteDeadline(realDeadline(f.latency + WriteTimeout))
		if err := waitReal(r.Context(), f.latency, s.stopping); err != nil {
			note(r.Context(), func(v *verdict) { v.fault += "; the client left before the answer" })
			return
		}
	}
	if f.rule.LostRequest {
		note(r.Context(), func(v *verdict) { v.fault += "; the connection was closed before the operation ran" })
		dropConnection(w)
		return
	}
	if f.rule.LostResponse {
		note(r.Context(), func(v *verdict) { v.fault += fmt.Sprintf("; the %d answer was not sent", held.status) })
		dropConnection(w)
		return
	}
	held.sendTo(w)
}

// dropConnection closes the client's connection without an answer: what a client sees
// when a proxy or the network loses a response the server did send.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 cannot hand over its connection: abort the stream instead.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// heldResponse records an answer to send later, or never. Headers go straight to the
// real writer's map; only the status and body wait.
type heldResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (h *heldResponse) Header() http.Header { return h.header }

func (h *heldResponse) WriteHeader(code int) {
	if h.status == 0 {
		h.status = code
	}
}

func (h *heldResponse) Write(b []byte) (int, error) {
	h.WriteHeader(http.StatusOK)
	return h.body.Write(b)
}

func (h *heldResponse) sendTo(w http.ResponseWriter) {
	if h.status == 0 {
		h.status = http.StatusOK // as net/http answers a handler that wrote nothing
	}
	w.WriteHeader(h.status)
	if h.body.Len() > 0 {
		_, _ = w.Write(h.body.Bytes())
	}
}
