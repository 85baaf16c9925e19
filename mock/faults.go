package mock

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/appmaker/refresh-conformance/spec"
)

// MaxFaultLatency bounds the latency a fault rule may add.
const MaxFaultLatency = 5 * time.Minute

// FaultRequest is the body of POST /__mock/faults.
type FaultRequest struct {
	// Operation is an operationId or "METHOD /path"; empty matches every document operation.
	Operation string `json:"operation,omitempty"`
	// Count is how many of the next matching requests the rule shapes: omitted means 1,
	// 0 means every one until the rules are cleared.
	Count *int `json:"count,omitempty"`
	// Status answers this declared status instead of running the operation.
	Status int `json:"status,omitempty"`
	// Code is the X-Mock-Error machine code of that answer (on the refresh operation's 401,
	// one of the codes it really sends, whose message it then carries).
	Code string `json:"code,omitempty"`
	// Latency holds the answer back this long ("2s"), after the operation has run.
	Latency string `json:"latency,omitempty"`
	// LostResponse runs the operation (a rotation happens), then closes the connection
	// without answering.
	LostResponse bool `json:"lostResponse,omitempty"`

	// SessionID limits the rule to requests of one session (or fixture, by name): those
	// whose access token, or on the refresh operation whose refresh token, names it.
	SessionID string `json:"sessionId,omitempty"`
	// Sub limits the rule to requests of the sessions of one subject, found the same way.
	Sub string `json:"sub,omitempty"`
	// OutsideDocument allows what the document does not declare: Status 429, 500 or 503,
	// and LostRequest.
	OutsideDocument bool `json:"outsideDocument,omitempty"`
	// LostRequest closes the connection before the operation runs: the request never
	// arrived, nothing rotates.
	LostRequest bool `json:"lostRequest,omitempty"`
	// RetryAfter is the Retry-After of a 429 (default 1s) or 503 answer outside the document.
	RetryAfter string `json:"retryAfter,omitempty"`
}

// FaultRule is a rule as GET /__mock/faults lists it.
type FaultRule struct {
	ID           int    `json:"id"`
	Operation    string `json:"operation,omitempty"`
	Count        int    `json:"count"`
	Remaining    *int   `json:"remaining,omitempty"` // absent while the rule is unlimited
	Applied      int    `json:"applied"`
	Status       int    `json:"status,omitempty"`
	Code         string `json:"code,omitempty"`
	Latency      string `json:"latency,omitempty"`
	LostResponse bool   `json:"lostResponse,omitempty"`

	SessionID       string `json:"sessionId,omitempty"`
	Sub             string `json:"sub,omitempty"`
	OutsideDocument bool   `json:"outsideDocument,omitempty"`
	LostRequest     bool   `json:"lostRequest,omitempty"`
	RetryAfter      string `json:"retryAfter,omitempty"`
}

type fault struct {
	req     FaultRequest // as posted: a fleet's replicas each build the rule from it
	rule    FaultRule
	ops     map[*spec.Operation]bool // the operations it covers; nil: all
	latency time.Duration
	left    int // -1: unlimited
	// outside: Status is answered by the mock itself, outside the document (429, 500, 503).
	outside    bool
	retryAfter int // seconds; 0: no Retry-After
}

// faultTable holds the rules. active counts the rules that can still apply, so the
// refresh path pays one atomic load when there are none; scoped counts those of them
// limited to a session or sub, for which the request's session must be found first.
type faultTable struct {
	active atomic.Int32
	scoped atomic.Int32
	mu     sync.Mutex
	nextID int
	rules  []*fault
	// fleet, when set, keeps the rules for every replica instead (sharedfaults.go).
	fleet *sharedFaults
}

var machineCode = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// take consumes one application of the first rule that matches op and the request's
// scope, if any; scopeOf finds the scope, only when a rule limited to one needs it.
func (t *faultTable) take(ctx context.Context, op *spec.Operation, scopeOf func() scope) (*fault, error) {
	if t.fleet != nil {
		return t.fleet.take(ctx, op, scopeOf)
	}
	var who scope
	if t.hasScoped() {
		who = scopeOf()
	}
	return t.takeLocal(op, who), nil
}

func (t *faultTable) takeLocal(op *spec.Operation, who scope) *fault {
	if t.active.Load() == 0 {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, f := range t.rules {
		if f.left == 0 || (f.ops != nil && !f.ops[op]) || !f.covers(who) {
			continue
		}
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				t.retire(f)
			}
		}
		f.rule.Applied++
		taken := *f
		return &taken
	}
	return nil
}

func (t *faultTable) add(ctx context.Context, f *fault) (FaultRule, error) {
	if t.fleet != nil {
		return t.fleet.add(ctx, f)
	}
	return t.addLocal(f), nil
}

func (t *faultTable) addLocal(f *fault) FaultRule {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.nextID++
	f.rule.ID = t.nextID
	t.rules = append(t.rules, f)
	t.active.Add(1)
	if f.scoped() {
		t.scoped.Add(1)
	}
	return f.view()
}

// retire uncounts a rule that can no longer apply.
func (t *faultTable) retire(f *fault) {
	t.active.Add(-1)
	if f.scoped() {
		t.scoped.Add(-1)
	}
}

// hasScoped reports whether a rule limited to a session or sub can still apply.
func (t *faultTable) hasScoped() bool { return t.scoped.Load() > 0 }

func (t *faultTable) list(ctx context.Context) ([]FaultRule, error) {
	if t.fleet != nil {
		return t.fleet.list(ctx)
	}
	return t.listLocal(), nil
}

func (t *faultTable) listLocal() []FaultRule {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]FaultRule, 0, len(t.rules))
	for _, f := range t.rules {
		out = append(out, f.view())
	}
	return out
}

// remove deletes rule id, or every rule when id is 0, and says how many went.
func (t *faultTable) remove(ctx context.Context, id int) (int, error) {
	if t.fleet != nil {
		return t.fleet.remove(ctx, id)
	}
	return t.removeLocal(id), nil
}

func (t *faultTable) removeLocal(id int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	kept, removed := t.rules[:0], 0
	for _, f := range t.rules {
		if id != 0 && f.rule.ID != id {
			kept = append(kept, f)
			continue
		}
		removed++
		if f.left != 0 {
			t.retire(f)
		}
	}
	clear(t.rules[len(kept):])
	t.rules = kept
	return removed
}

func (f *fault) view() FaultRule {
	r := f.rule
	if f.left >= 0 {
		left := f.left
		r.Remaining = &left
	}
	return r
}

// describe says what the rule did to a request, for its event.
func (f *fault) describe() string {
	var parts []string
	if f.rule.Status != 0 {
		parts = append(parts, fmt.Sprintf("status %d", f.rule.Status))
	}
	if f.rule.LostRequest {
		parts = append(parts, "lost request")
	}
	if f.latency > 0 {
		parts = append(parts, "latency "+f.rule.Latency)
	}
	if f.rule.LostResponse {
		parts = append(parts, "lost response")
	}
	return fmt.Sprintf("fault rule %d%s: %s", f.rule.ID, f.scopeText(), strings.Join(parts, ", "))
}

// newFault checks a rule against the document before it is accepted.
func (s *Server) newFault(ctx context.Context, req FaultRequest) (*fault, error) {
	f := &fault{req: req, rule: FaultRule{Status: req.Status, Code: req.Code, LostResponse: req.LostResponse,
		Sub: req.Sub, OutsideDocument: req.OutsideDocument, LostRequest: req.LostRequest}, left: 1}
	if err := s.scopeFault(ctx, f, req); err != nil {
		return nil, err
	}
	if req.Count != nil {
		if *req.Count < 0 {
			return nil, badRequest("count must be 1 or more, or 0 for every request until the rules are cleared")
		}
		f.left = *req.Count
		if f.left == 0 {
			f.left = -1
		}
	}
	f.rule.Count = max(f.left, 0)
	var op *spec.Operation
	if req.Operation != "" {
		var ok bool
		if op, ok = s.findOperation(req.Operation); !ok {
			return nil, badRequest(fmt.Sprintf("operation %q is not in the document; use an operationId or \"METHOD /path\": %s",
				req.Operation, strings.Join(s.operationNames(), ", ")))
		}
		f.ops, f.rule.Operation = map[*spec.Operation]bool{op: true}, operationName(op)
	}
	if req.Latency != "" {
		d, err := parseDuration(req.Latency)
		if err != nil || d <= 0 || d > MaxFaultLatency {
			return nil, badRequest(fmt.Sprintf("latency %q: want a positive duration up to %s, like \"2s\" or \"750ms\"", req.Latency, MaxFaultLatency))
		}
		f.latency, f.rule.Latency = d, d.String()
	}
	switch {
	case req.Code != "" && req.Status == 0:
		return nil, badRequest(`"code" names the machine code of a "status" answer; give the status too`)
	case req.Status == 0 && f.latency == 0 && !req.LostResponse && !req.LostRequest:
		return nil, badRequest(`a rule needs "status", "latency", "lostResponse" or "lostRequest"`)
	case req.Status != 0 && req.LostResponse:
		return nil, badRequest(`"status" and "lostResponse" exclude each other: a lost response has no status`)
	case req.LostRequest && (req.Status != 0 || req.LostResponse):
		return nil, badRequest(`"lostRequest" excludes "status" and "lostResponse": a request that never arrived has no answer`)
	case req.Code != "" && !machineCode.MatchString(req.Code):
		return nil, badRequest(fmt.Sprintf("code %q: want a machine code like refresh_token_expired", req.Code))
	}
	if handled, err := s.outsideFault(f, req); handled {
		return f, err
	}
	if err := s.documentFault(f, req, op); err != nil {
		return nil, withOutsideHint(err, req)
	}
	return f, nil
}

// documentFault limits a status rule to the operations that declare its status.
func (s *Server) documentFault(f *fault, req FaultRequest, op *spec.Operation) error {
	switch {
	case req.Status == 0:
		return nil
	case op != nil:
		return s.checkForcedStatus(op, req.Status, req.Code)
	}
	// A status rule for every operation covers those that can answer that status.
	f.ops = map[*spec.Operation]bool{}
	for _, o := range s.doc.Operations() {
		if s.checkForcedStatus(o, req.Status, req.Code) == nil {
			f.ops[o] = true
		}
	}
	if len(f.ops) == 0 {
		return badRequest(fmt.Sprintf("no operation of the document can answer %d: %s", req.Status, s.checkForcedStatus(s.refresh, req.Status, req.Code)))
	}
	return nil
}

// checkForcedStatus makes sure op can be made to answer status: op declares it, and on the
// refresh operation it is an error status with a code the refresh really sends.
func (s *Server) checkForcedStatus(op *spec.Operation, status int, code string) error {
	if !op.DeclaresStatus(status) {
		return badRequest(fmt.Sprintf("status %d is not declared for %s; declared: %s", status, operationName(op), strings.Join(op.Statuses(), ", ")))
	}
	if op != s.refresh {
		return nil
	}
	if status < http.StatusBadRequest {
		return badRequest(fmt.Sprintf("the refresh operation answers %d only by really rotating; force one of its error statuses instead", status))
	}
	if code != "" && status == http.StatusUnauthorized {
		if _, ok := problemByCode(code); !ok {
			return badRequest(fmt.Sprintf("code %q is not one the refresh operation sends with 401; use one of: %s", code, strings.Join(unauthorizedCodes(), ", ")))
		}
	}
	return nil
}

func (s *Server) handleListFaults(w http.ResponseWriter, r *http.Request) {
	rules, err := s.faults.list(r.Context())
	if err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]FaultRule{"faults": rules})
}

func (s *Server) handleAddFault(w http.ResponseWriter, r *http.Request) {
	var req FaultRequest
	if err := decodeAdminBody(w, r, &req, `{"operation": "refreshToken", "status": 401, "code": "refresh_token_expired"}`, false); err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	f, err := s.newFault(r.Context(), req)
	if err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	rule, err := s.faults.add(r.Context(), f)
	if err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, rule)
}

func (s *Server) handleClearFaults(w http.ResponseWriter, r *http.Request) {
	n, err := s.faults.remove(r.Context(), 0)
	if err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"cleared": n})
}

func (s *Server) handleDeleteFault(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	n := 0
	if err == nil && id >= 1 {
		if n, err = s.faults.remove(r.Context(), id); err != nil {
			s.writeAdminError(w, r, err)
			return
		}
	}
	if n == 0 {
		s.writeAdminError(w, r, fmt.Errorf("fault rule %q: %w", r.PathValue("id"), ErrFaultNotFound))
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"cleared": 1})
}
