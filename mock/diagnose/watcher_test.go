package diagnose_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock/diagnose"
)

// Past MaxSessions the session observed least recently is forgotten: its next request starts afresh.
func TestMemoryBound(t *testing.T) {
	got := observe(t, diagnose.Config{MaxSessions: 2}, []diagnose.Exchange{
		in("a", rotate(1, 0, "a1", 1)),
		in("b", rotate(2, 0, "b1", 1)),
		in("a", replay(3, time.Second, "a1", 1)), // a is now the most recent
		in("c", rotate(4, time.Second, "c1", 1)), // b is forgotten
		in("a", replay(5, time.Second, "a1", 1)),
		in("b", replay(6, time.Second, "b1", 1)), // would race event 2 had b been kept
	})
	want := []string{"3:concurrent-refresh[1 3]", "5:concurrent-refresh[1 3 5]"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("findings:\n got %v\nwant %v", got, want)
	}
}

func TestForget(t *testing.T) {
	w, _ := diagnose.New(diagnose.Config{})
	w.Observe(rotate(1, 0, "aa", 1))
	w.Forget("s1")
	if f := w.Observe(replay(2, time.Second, "aa", 1)); f != nil {
		t.Errorf("a forgotten session still raced: %v", f)
	}
	w.Reset()
	if f := w.Observe(replay(3, time.Second, "aa", 1)); f != nil {
		t.Errorf("a reset watcher still raced: %v", f)
	}
}

// Many goroutines at once: each session's findings are what they would be alone, and one burst
// shared by every goroutine is counted whole (run with -race).
func TestConcurrentUse(t *testing.T) {
	w, _ := diagnose.New(diagnose.Config{})
	const goroutines, each = 8, 20
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		biggest int
		own     = map[string][]string{}
	)
	for g := range goroutines {
		wg.Go(func() {
			session := fmt.Sprintf("own-%d", g)
			for i := range each {
				ex := in("shared", replay(int64(g*each+i), time.Millisecond, "ss", 1))
				for _, f := range w.Observe(ex) {
					mu.Lock()
					biggest = max(biggest, len(f.EventIDs))
					mu.Unlock()
				}
			}
			for _, ex := range []diagnose.Exchange{rotate(1, 0, "aa", 1), refuse(2, time.Second, "aa", 1, reused)} {
				for _, f := range w.Observe(in(session, ex)) {
					mu.Lock()
					own[session] = append(own[session], string(f.Kind))
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if biggest != min(goroutines*each, 64) {
		t.Errorf("the shared burst listed at most %d requests, want %d", biggest, min(goroutines*each, 64))
	}
	for g := range goroutines {
		if got := own[fmt.Sprintf("own-%d", g)]; fmt.Sprint(got) != "[concurrent-refresh]" {
			t.Errorf("session own-%d: %v", g, got)
		}
	}
}

func TestNewRejects(t *testing.T) {
	for _, tc := range []struct {
		cfg  diagnose.Config
		says string
	}{
		{diagnose.Config{RaceWindow: -time.Second}, "race window -1s is negative"},
		{diagnose.Config{Storm: diagnose.StormLimit{Count: 0, Window: time.Minute}}, "storm limit 0/1m"},
		{diagnose.Config{Storm: diagnose.StormLimit{Count: 101, Window: time.Minute}}, "storm limit 101/1m"},
		{diagnose.Config{Storm: diagnose.StormLimit{Count: 5}}, "storm limit 5/0s"},
		{diagnose.Config{MaxSessions: -1}, "max sessions -1"},
	} {
		if _, err := diagnose.New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("New(%+v) = %v, want an error saying %q", tc.cfg, err, tc.says)
		}
	}
	w, err := diagnose.New(diagnose.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Config(); got.RaceWindow != 2*time.Second || got.Storm.String() != "5/1m" || got.MaxSessions != diagnose.DefaultMaxSessions {
		t.Errorf("defaults: %+v", got)
	}
}

// BenchmarkObserve is the cost the refresh path pays per request: 1,024 sessions rotating, each with its newest token.
func BenchmarkObserve(b *testing.B) {
	w, _ := diagnose.New(diagnose.Config{})
	sessions := make([]string, 1024)
	for i := range sessions {
		sessions[i] = fmt.Sprintf("sess-%d", i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s := i % len(sessions)
		w.Observe(diagnose.Exchange{At: t0.Add(time.Duration(i) * time.Millisecond), EventID: int64(i), Session: sessions[s],
			Token: strconv.FormatInt(int64(i), 16), Generation: i/len(sessions) + 1, Status: 201, Rotated: true})
		i++
	}
}
