package conformance

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"pgregory.net/rapid"

	"github.com/appmaker/refresh-conformance/spec"
)

// ErrNoValidBody means the generator drew no body the document accepts for the schema:
// a limit of the generator (e.g. a pattern it cannot meet), not a fault of the server.
var ErrNoValidBody = errors.New("conformance: the generator drew no body the document accepts for this schema")

// CheckGeneratedBodies runs the property of a KindGeneratedBodies case with rapid: every
// body valid for the schema, drawn from a seeded source, answers a declared non-5xx. It
// sends up to n bodies, none after deadline, and returns how many it sent. A failure
// names rapid's seed, the minimal (shrunk) body and its curl line; the minimal exchange
// alone goes to the client's observer.
func CheckGeneratedBodies(ctx context.Context, cl *Client, c Case, token string, n int, deadline time.Time) (sent int, err error) {
	gen := valueGen(flatten(spec.RequestSchemaOf(c.Operation, c.mediaType)))
	var (
		failing bool
		lastEx  *Exchange
		lastErr error
		lastRaw []byte
	)
	prop := func(t *rapid.T) {
		// Past n bodies or the budget, a run draws nothing and passes; once a body
		// failed, every run (rapid's shrinking) sends for real.
		if !failing && (sent >= n || !time.Now().Before(deadline)) {
			return
		}
		body := mustJSON(gen.Draw(t, "body"))
		if !cl.acceptsBody(ctx, c, body) {
			t.Skip("the document does not accept the drawn body")
		}
		if !failing {
			sent++
		}
		ex, err := cl.sendCase(ctx, c, body, token, nil)
		lastEx, lastErr, lastRaw = ex, err, body
		if err != nil {
			failing = true
			t.Fatalf("%s", cl.redactor.Redact(err.Error()))
		}
	}
	rapidWritesNoFailFiles()
	tb := &rapidTB{name: c.Name}
	tb.run(func() { rapid.Check(tb, prop) })
	if !tb.failed {
		return sent, nil
	}
	if !failing {
		if sent == 0 {
			return 0, ErrNoValidBody
		}
		return sent, fmt.Errorf("conformance: rapid: %s", oneLine(strings.Join(tb.errors, "; ")))
	}
	if lastEx == nil {
		return sent, lastErr
	}
	if cl.observe != nil {
		cl.observe(lastEx)
	}
	f := newFailure(cl.redactor, lastEx, "a body valid for the schema answers a status the operation declares, not a 5xx",
		OperationLocation(c.Operation)+".requestBody", "%s; minimal body %s; %s; reproduce: %s",
		failureSeen(lastErr), lastRaw, tb.seedLine(c.Name), lastEx.Curl(cl.redactor))
	if err := saveFailRecord(cl.target.ReportDir, c.Name, f); err != nil {
		f.Seen += "; " + err.Error()
	}
	return sent, f
}

// rapid writes a fail file into testdata/rapid/ under the current directory (the source
// tree: suites/) and replays it on the next run, against whatever server that run judges.
// Its flag -rapid.nofailfile stops both; the seed in the failure replays it instead, and
// saveFailRecord keeps it under the report directory. Every call of rapid goes through
// here after the Once, so the flag is set before rapid reads it.
var rapidFlagOnce sync.Once

func rapidWritesNoFailFiles() {
	rapidFlagOnce.Do(func() {
		if f := flag.Lookup("rapid.nofailfile"); f != nil {
			_ = f.Value.Set("true")
		}
	})
}

// saveFailRecord writes f, with its seed line, to dir/rapid/<case>.txt; nothing when dir
// is empty.
func saveFailRecord(dir, name string, f *Failure) error {
	if dir == "" {
		return nil
	}
	path := filepath.Join(dir, "rapid", safeFileName(name)+".txt")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("the fail record was not saved: %v", err)
	}
	if err := os.WriteFile(path, []byte(f.Error()+"\n"), 0o644); err != nil {
		return fmt.Errorf("the fail record was not saved: %v", err)
	}
	return nil
}

func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

func failureSeen(err error) string {
	var f *Failure
	if errors.As(err, &f) {
		return f.Rule + ": " + f.Seen
	}
	return err.Error()
}

// acceptsBody reports whether the document accepts c's request with body, credentials
// aside: only such bodies are the property's input.
func (cl *Client) acceptsBody(ctx context.Context, c Case, body []byte) bool {
	req, err := cl.caseRequest(ctx, c, body, "")
	if err != nil {
		return false
	}
	return len(cl.target.Spec.ValidateInput(req, c.Operation)) == 0
}

// rapidTB is the rapid.TB of a generated check: it keeps what rapid reports instead of
// failing a test itself, so that the suite reports one Failure.
type rapidTB struct {
	name   string
	failed bool
	errors []string
	logs   []string
}

type rapidStop struct{}

func (t *rapidTB) run(f func()) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(rapidStop); !ok {
				panic(r)
			}
		}
	}()
	f()
}

func (t *rapidTB) Helper()      {}
func (t *rapidTB) Name() string { return t.name }
func (t *rapidTB) Logf(format string, args ...any) {
	t.logs = append(t.logs, fmt.Sprintf(format, args...))
}
func (t *rapidTB) Log(args ...any)                   { t.logs = append(t.logs, fmt.Sprint(args...)) }
func (t *rapidTB) Skipf(format string, args ...any)  { t.Logf(format, args...); t.SkipNow() }
func (t *rapidTB) Skip(args ...any)                  { t.Log(args...); t.SkipNow() }
func (t *rapidTB) SkipNow()                          { panic(rapidStop{}) }
func (t *rapidTB) Errorf(format string, args ...any) { t.Error(fmt.Sprintf(format, args...)) }
func (t *rapidTB) Error(args ...any) {
	t.errors = append(t.errors, fmt.Sprint(args...))
	t.failed = true
}
func (t *rapidTB) Fatalf(format string, args ...any) { t.Errorf(format, args...); t.FailNow() }
func (t *rapidTB) Fatal(args ...any)                 { t.Error(args...); t.FailNow() }
func (t *rapidTB) FailNow()                          { t.failed = true; panic(rapidStop{}) }
func (t *rapidTB) Fail()                             { t.failed = true }
func (t *rapidTB) Failed() bool                      { return t.failed }

// seedLine is rapid's way to reproduce the failure, with Ginkgo's focus in place of
// go test's -run.
func (t *rapidTB) seedLine(name string) string {
	for _, e := range t.errors {
		for _, line := range strings.Split(e, "\n") {
			if i := strings.Index(line, "-rapid.seed="); i >= 0 {
				seed := strings.TrimSuffix(strings.TrimPrefix(line[i:], "-rapid.seed="), ")")
				return fmt.Sprintf(`to reproduce run the suite with --focus=%q (under go test: -ginkgo.focus) and -rapid.seed=%s, or: RAPID_SEED=%s make conformance ARGS="--focus='%s'"`,
					name, seed, seed, regexp.QuoteMeta(name))
			}
		}
	}
	return "rapid gave no seed"
}
