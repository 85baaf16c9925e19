package mock_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/mock/token"
	"github.com/appmaker/refresh-conformance/spec"
)

// The lifetimes the model runs with: short, so that a few clock steps reach every expiry.
const (
	modelAccessTTL  = 5 * time.Minute
	modelRefreshTTL = time.Hour
	modelSessionTTL = 3 * time.Hour
	// modelMaxSessions and modelMaxSteps bound the work of one input.
	modelMaxSessions = 4
	modelMaxSteps    = 64
)

// The grace windows an input can choose (its first argument, modulo their number).
var modelGraces = []time.Duration{0, 2 * time.Second, 30 * time.Second}

// The clock steps an input can choose: around the grace windows and the lifetimes above.
var modelClockSteps = []time.Duration{time.Second, 2 * time.Second, 29 * time.Second, 30 * time.Second,
	10 * time.Minute, 59 * time.Minute, time.Hour, 2 * time.Hour}

// Operations of a program: each is two bytes, the operation (modulo opCount) and an
// argument; the low four bits of the argument choose a session, the high four a detail.
const (
	opMint     = iota // POST /__mock/sessions
	opCurrent         // refresh with the session's current token
	opPrevious        // refresh with the token the last rotation replaced
	opOlder           // refresh with any earlier token of the session
	opForeign         // refresh with a token the mock never issued: garbage, another key, tampered
	opAdvance         // POST /__mock/clock {"advance": ...}
	opRevoke          // DELETE /__mock/sessions/{id}
	opSweep           // the sweeper drops sessions whose tokens are all past exp
	opCount
)

// FuzzRefreshModel drives a mock over HTTP with programs of operations decoded from the
// input and checks every answer against a model of the README's refresh rules, written
// here from the table and nothing else: the status and X-Mock-Error code, a valid answer
// for the document (the harness validates each), and two properties that hold whatever
// the model says: no refresh token is answered 201 twice outside the grace window, and a
// revoked session never answers 201 again. The seeds run in `make test`; `make fuzz`
// explores further.
func FuzzRefreshModel(f *testing.F) {
	p := func(ops ...byte) []byte { return ops }
	// No grace: rotation, reuse of the rotated token, then the session is revoked.
	f.Add(uint8(0), p(opMint, 0, opCurrent, 0, opCurrent, 0, opPrevious, 0, opCurrent, 0))
	// Grace 2s: the rotated token replays inside the window, is reuse at its end.
	f.Add(uint8(1), p(opMint, 0, opCurrent, 0, opPrevious, 0, opAdvance, 0, opPrevious, 0, opAdvance, 0, opPrevious, 0, opCurrent, 0))
	// Expiry before reuse: the first token past its own exp, while its successor lives.
	f.Add(uint8(0), p(opMint, 0, opAdvance, 0x50, opCurrent, 0, opAdvance, 0x40, opPrevious, 0, opCurrent, 0, opOlder, 0x10))
	// Two sessions, foreign tokens of every kind, a revocation by the control plane, a sweep.
	f.Add(uint8(2), p(opMint, 0, opMint, 0, opForeign, 0x00, opForeign, 0x11, opForeign, 0x20, opCurrent, 1,
		opRevoke, 0, opCurrent, 0, opPrevious, 1, opAdvance, 0x70, opSweep, 0, opCurrent, 1, opRevoke, 0))
	// The absolute lifetime caps the sliding one: rotate every 59 minutes until the session ends.
	f.Add(uint8(0), p(opMint, 0, opAdvance, 0x50, opCurrent, 0, opAdvance, 0x50, opCurrent, 0, opAdvance, 0x50, opCurrent, 0,
		opAdvance, 0x50, opCurrent, 0, opOlder, 0x20))
	f.Fuzz(func(t *testing.T, options uint8, program []byte) {
		m := newModel(t, modelGraces[int(options)%len(modelGraces)])
		for i := 0; i+1 < len(program) && i/2 < modelMaxSteps; i += 2 {
			m.step(program[i]%opCount, program[i+1])
			if t.Failed() {
				t.Fatalf("after:\n%s", strings.Join(m.trace, "\n"))
			}
		}
	})
}

// model is what the README's rules say the mock's state is, and the mock it checks.
type model struct {
	t        *testing.T
	h        *harness
	grace    time.Duration
	now      time.Time
	sessions []*modelSession
	// foreign mints tokens with another key, for the sessions of this mock.
	foreign *token.Minter
	// answered is when each refresh token was first answered 201 (when it rotated).
	answered map[string]time.Time
	trace    []string
}

type modelSession struct {
	id        string
	sub, org  string
	expiresAt time.Time
	// tokens holds a pair per generation: tokens[g-1] is the pair of generation g.
	tokens    []modelPair
	rotatedAt time.Time
	revoked   bool
	swept     bool
}

type modelPair struct {
	spec.TokenPair
	exp time.Time // the refresh token's exp claim
}

func (s *modelSession) current() modelPair { return s.tokens[len(s.tokens)-1] }

func newModel(t *testing.T, grace time.Duration) *model {
	t.Helper()
	foreign, err := token.NewMinter(token.Config{Key: []byte("another mock's key, not this one"), AccessTTL: modelAccessTTL, RefreshTTL: modelRefreshTTL})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, mock.WithReuseGrace(grace), mock.WithTTLs(modelAccessTTL, modelRefreshTTL, modelSessionTTL))
	return &model{t: t, h: h, grace: grace, now: epoch, foreign: foreign, answered: map[string]time.Time{},
		trace: []string{fmt.Sprintf("grace %v", grace)}}
}

func (m *model) logf(format string, args ...any) {
	m.trace = append(m.trace, fmt.Sprintf("%v: ", m.now.Sub(epoch))+fmt.Sprintf(format, args...))
}

func (m *model) step(op, arg byte) {
	if op != opMint && op != opAdvance && op != opSweep && len(m.sessions) == 0 {
		op = opMint
	}
	var s *modelSession
	if len(m.sessions) > 0 {
		s = m.sessions[int(arg&0x0f)%len(m.sessions)]
	}
	detail := int(arg >> 4)
	switch op {
	case opMint:
		m.mint()
	case opCurrent:
		m.refresh(s, len(s.tokens), "current")
	case opPrevious:
		if len(s.tokens) > 1 {
			m.refresh(s, len(s.tokens)-1, "previous")
		}
	case opOlder:
		if len(s.tokens) > 1 {
			m.refresh(s, 1+detail%(len(s.tokens)-1), "older")
		}
	case opForeign:
		m.refreshForeign(s, detail)
	case opAdvance:
		m.advance(modelClockSteps[detail%len(modelClockSteps)])
	case opRevoke:
		m.revoke(s)
	case opSweep:
		m.sweep()
	}
}

func (m *model) mint() {
	if len(m.sessions) == modelMaxSessions {
		return
	}
	tokens := m.h.session()
	s := &modelSession{id: tokens.SessionID, sub: tokens.Sub, org: tokens.Org, expiresAt: m.now.Add(modelSessionTTL)}
	s.tokens = []modelPair{{TokenPair: spec.TokenPair{AccessToken: tokens.AccessToken, RefreshToken: tokens.RefreshToken}, exp: m.refreshExp(s)}}
	m.sessions = append(m.sessions, s)
	m.logf("mint session %d", len(m.sessions)-1)
	m.checkExp(s.tokens[0])
}

// refreshExp is the exp of a refresh token minted now: the idle lifetime, capped by the
// session's end.
func (m *model) refreshExp(s *modelSession) time.Time {
	exp := m.now.Add(modelRefreshTTL)
	if s.expiresAt.Before(exp) {
		return s.expiresAt
	}
	return exp
}

func (m *model) checkExp(p modelPair) {
	m.t.Helper()
	if got := claims(m.t, p.RefreshToken)["exp"]; got != float64(p.exp.Unix()) {
		m.t.Errorf("the refresh token's exp is %v, want %v (%v)", got, p.exp.Unix(), p.exp)
	}
}

// refresh presents the refresh token of generation gen of s.
func (m *model) refresh(s *modelSession, gen int, which string) {
	m.t.Helper()
	presented := s.tokens[gen-1]
	m.logf("refresh session %s with its %s token (generation %d of %d)", m.name(s), which, gen, len(s.tokens))
	a := m.h.refresh(s.current().AccessToken, presented.RefreshToken)

	// The properties first: they hold whatever the model below says.
	if a.status == http.StatusCreated {
		if s.revoked {
			m.t.Errorf("a revoked session answered 201 again")
		}
		if first, ok := m.answered[presented.RefreshToken]; ok && m.now.Sub(first) >= m.grace {
			m.t.Errorf("a refresh token was answered 201 twice outside the grace window (%v): first at %v, again at %v",
				m.grace, first.Sub(epoch), m.now.Sub(epoch))
		}
	}

	// The README's table, steps 4 to 6.
	current := gen == len(s.tokens)
	switch {
	case s.swept: // every token of a swept session is past its exp
		m.want(a, http.StatusUnauthorized, mock.CodeRefreshTokenExpired, "the session was swept")
	case s.revoked:
		m.want(a, http.StatusUnauthorized, mock.CodeSessionRevoked, "step 4: the session is revoked")
	case !m.now.Before(s.expiresAt):
		m.want(a, http.StatusUnauthorized, mock.CodeRefreshTokenExpired, "step 4: the session is past its absolute lifetime")
	case !m.now.Before(presented.exp):
		m.want(a, http.StatusUnauthorized, mock.CodeRefreshTokenExpired, "step 4 (expiry) comes before step 6 (reuse): the token is past its own exp")
	case current:
		m.want(a, http.StatusCreated, "", "step 5: the current token rotates")
		next := modelPair{TokenPair: a.pair(m.t), exp: m.refreshExp(s)}
		if next.RefreshToken == presented.RefreshToken || next.AccessToken == presented.AccessToken {
			m.t.Errorf("the rotation answered the pair it was given")
		}
		m.checkExp(next)
		m.answered[presented.RefreshToken] = m.now
		s.tokens, s.rotatedAt = append(s.tokens, next), m.now
	case gen == len(s.tokens)-1 && m.now.Sub(s.rotatedAt) < m.grace:
		m.want(a, http.StatusCreated, "", "step 6: the rotated token inside the grace window replays")
		if got := a.pair(m.t); got != s.current().TokenPair {
			m.t.Errorf("the grace replay answered another pair than the rotation did")
		}
	default:
		m.want(a, http.StatusUnauthorized, mock.CodeRefreshTokenReused, "step 6: a rotated token presented again is reuse")
		s.revoked = true
	}
}

// refreshForeign presents a refresh token this mock never issued, with s's access token:
// step 3 refuses it, and nothing changes.
func (m *model) refreshForeign(s *modelSession, kind int) {
	m.t.Helper()
	var tok, what string
	switch kind % 3 {
	case 0:
		tok, what = "not-a-token."+s.id, "garbage"
	case 1:
		p, err := m.foreign.First(token.Holder{SessionID: s.id, Sub: s.sub, Org: s.org, SessionExpiresAt: s.expiresAt}, m.now)
		if err != nil {
			m.t.Fatal(err)
		}
		tok, what = p.RefreshToken, "signed with another key"
	default:
		parts := strings.Split(s.current().RefreshToken, ".")
		payload := []byte(parts[1])
		if i := len(payload) / 2; payload[i] == 'A' {
			payload[i] = 'B'
		} else {
			payload[i] = 'A'
		}
		tok, what = parts[0]+"."+string(payload)+"."+parts[2], "the current one with its payload changed"
	}
	m.logf("refresh session %s with a token %s", m.name(s), what)
	a := m.h.refresh(s.current().AccessToken, tok)
	m.want(a, http.StatusUnauthorized, mock.CodeInvalidRefreshToken, "step 3: only tokens this mock issued are considered")
}

func (m *model) advance(d time.Duration) {
	m.t.Helper()
	m.logf("advance the clock by %v", d)
	if a := m.h.call(http.MethodPost, "/__mock/clock", fmt.Sprintf(`{"advance":%q}`, d)); a.status != http.StatusOK {
		m.t.Fatalf("POST /__mock/clock = %d %s", a.status, a.body)
	}
	m.now = m.now.Add(d)
}

func (m *model) revoke(s *modelSession) {
	m.t.Helper()
	m.logf("revoke session %s by the control plane", m.name(s))
	a := m.h.call(http.MethodDelete, "/__mock/sessions/"+s.id, "")
	if s.swept {
		if a.status != http.StatusNotFound {
			m.t.Errorf("DELETE of a swept session = %d %s, want 404", a.status, a.body)
		}
		return
	}
	if v := decode[mock.SessionView](m.t, a); a.status != http.StatusOK || v.State != mock.StateRevoked {
		m.t.Errorf("DELETE /__mock/sessions/{id} = %d, state %q, want 200 revoked", a.status, v.State)
	}
	s.revoked = true
}

func (m *model) sweep() {
	m.t.Helper()
	want := 0
	for _, s := range m.sessions {
		if !s.swept && !m.now.Before(s.current().exp) {
			s.swept = true
			want++
		}
	}
	m.logf("sweep (%d sessions past every exp)", want)
	got, err := m.h.srv.SweepExpired(context.Background())
	if err != nil || got != want {
		m.t.Errorf("the sweep dropped %d sessions (%v), want %d", got, err, want)
	}
}

func (m *model) name(s *modelSession) string {
	for i, o := range m.sessions {
		if o == s {
			return fmt.Sprint(i)
		}
	}
	return s.id
}

func (m *model) want(a answer, status int, code, rule string) {
	m.t.Helper()
	if a.status != status || a.code() != code {
		m.t.Errorf("%s: answered %d %q, want %d %q\nbody: %s", rule, a.status, a.code(), status, code, a.body)
	}
}
