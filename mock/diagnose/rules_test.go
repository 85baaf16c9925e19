package diagnose_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock/diagnose"
)

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

const window = diagnose.DefaultRaceWindow

// Exchanges of session "s1"; after is the time since t0, token a fingerprint, gen its generation.

func rotate(id int64, after time.Duration, token string, gen int) diagnose.Exchange {
	return diagnose.Exchange{At: t0.Add(after), EventID: id, Session: "s1", Token: token, Generation: gen,
		Current: gen + 1, Status: 201, Rotated: true}
}

func replay(id int64, after time.Duration, token string, gen int) diagnose.Exchange {
	return diagnose.Exchange{At: t0.Add(after), EventID: id, Session: "s1", Token: token, Generation: gen,
		Current: gen + 1, Status: 201, Replayed: true}
}

func refuse(id int64, after time.Duration, token string, gen int, code string) diagnose.Exchange {
	return diagnose.Exchange{At: t0.Add(after), EventID: id, Session: "s1", Token: token, Generation: gen,
		Status: 401, Code: code}
}

func lost(ex diagnose.Exchange) diagnose.Exchange               { ex.Status = 0; return ex }
func forced(ex diagnose.Exchange) diagnose.Exchange             { ex.Forced = true; return ex }
func ended(ex diagnose.Exchange) diagnose.Exchange              { ex.Ended = true; return ex }
func in(session string, ex diagnose.Exchange) diagnose.Exchange { ex.Session = session; return ex }
func rotatedAt(d time.Duration, ex diagnose.Exchange) diagnose.Exchange {
	ex.RotatedAt = t0.Add(d)
	return ex
}

const (
	reused  = "refresh_token_reused"
	revoked = "session_revoked"
	expired = "refresh_token_expired"
)

// observe feeds exs to a new watcher and writes each finding as "<completing event>:<kind><event ids>".
func observe(t *testing.T, cfg diagnose.Config, exs []diagnose.Exchange) []string {
	t.Helper()
	w, err := diagnose.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ex := range exs {
		for _, f := range w.Observe(ex) {
			got = append(got, fmt.Sprintf("%d:%s%v", ex.EventID, f.Kind, f.EventIDs))
		}
	}
	return got
}

func TestRules(t *testing.T) {
	grace := diagnose.Config{} // the rules do not depend on the mock's grace window: Replayed says what it did
	storm := diagnose.Config{Storm: diagnose.StormLimit{Count: 5, Window: time.Minute}}
	for _, tc := range []struct {
		name string
		cfg  diagnose.Config
		exs  []diagnose.Exchange
		want []string
	}{
		// concurrent-refresh: presentations of one token within the race window of the first, whatever the answers.
		{"two tabs, no grace: the second is reuse", grace, []diagnose.Exchange{
			rotate(1, 0, "aa", 1), refuse(2, 100*time.Millisecond, "aa", 1, reused)},
			[]string{"2:concurrent-refresh[1 2]"}},
		{"five requests, grace: one burst, extended by each", grace, []diagnose.Exchange{
			rotate(1, 0, "aa", 1), replay(2, 1, "aa", 1), replay(3, 2, "aa", 1), replay(4, 3, "aa", 1), replay(5, 4, "aa", 1)},
			[]string{"2:concurrent-refresh[1 2]", "3:concurrent-refresh[1 2 3]", "4:concurrent-refresh[1 2 3 4]", "5:concurrent-refresh[1 2 3 4 5]"}},
		{"exactly at the window is within it", grace, []diagnose.Exchange{
			rotate(1, 0, "aa", 1), replay(2, window, "aa", 1)},
			[]string{"2:concurrent-refresh[1 2]"}},
		{"just inside the window", grace, []diagnose.Exchange{
			rotate(1, 0, "aa", 1), replay(2, window-1, "aa", 1)},
			[]string{"2:concurrent-refresh[1 2]"}},
		{"just outside the window: a stale replay, not a race", grace, []diagnose.Exchange{
			rotate(1, 0, "aa", 1), refuse(2, window+1, "aa", 1, reused)},
			[]string{"2:stale-token-replay[2]"}},
		{"a retry within the window after a lost answer is a race too", grace, []diagnose.Exchange{
			lost(rotate(1, 0, "aa", 1)), refuse(2, time.Second, "aa", 1, reused)},
			[]string{"2:concurrent-refresh[1 2]"}},
		{"a burst is measured from its first request, not chained", grace, []diagnose.Exchange{
			replay(1, 0, "aa", 1), replay(2, 1500*time.Millisecond, "aa", 1), replay(3, 3*time.Second, "aa", 1), replay(4, 4*time.Second, "aa", 1)},
			[]string{"2:concurrent-refresh[1 2]", "4:concurrent-refresh[3 4]"}},
		{"two sessions with their own tokens at once", grace, []diagnose.Exchange{
			rotate(1, 0, "aa", 1), in("s2", rotate(2, 0, "bb", 1))},
			nil},
		{"no session: only the request itself is judged", grace, []diagnose.Exchange{
			in("", refuse(1, 0, "aa", 0, "invalid_refresh_token")), in("", refuse(2, 0, "aa", 0, "invalid_refresh_token"))},
			nil},

		// stale-token-replay: a rotated token presented more than the race window after its rotation.
		{"a cached copy minutes later", grace, []diagnose.Exchange{
			rotate(1, 0, "aa", 1), rotate(2, time.Minute, "bb", 2), refuse(3, 5*time.Minute, "aa", 1, reused)},
			[]string{"3:stale-token-replay[3]"}},
		{"rotation time from the mock: exactly at the window", grace, []diagnose.Exchange{
			rotatedAt(0, refuse(1, window, "aa", 1, reused))},
			nil},
		{"rotation time from the mock: just outside", grace, []diagnose.Exchange{
			rotatedAt(0, refuse(1, window+1, "aa", 1, reused))},
			[]string{"1:stale-token-replay[1]"}},
		{"a grace window that answers it does not hide it", grace, []diagnose.Exchange{
			rotate(1, 0, "aa", 1), replay(2, 5*time.Second, "aa", 1)},
			[]string{"2:stale-token-replay[2]"}},

		// refresh-after-logout: the second request more than the race window after the ending answer, once.
		{"a retry loop after reuse", grace, []diagnose.Exchange{
			rotate(1, 0, "aa", 1), refuse(2, time.Minute, "aa", 1, reused),
			refuse(3, time.Minute+3*time.Second, "bb", 2, revoked), refuse(4, time.Minute+6*time.Second, "bb", 2, revoked),
			refuse(5, time.Minute+9*time.Second, "bb", 2, revoked), refuse(6, time.Minute+12*time.Second, "aa", 1, revoked)},
			[]string{"2:stale-token-replay[2]", "4:refresh-after-logout[2 3 4]"}},
		{"exactly at the window after the end is not late", grace, []diagnose.Exchange{
			refuse(1, 0, "aa", 1, expired), refuse(2, window, "bb", 1, expired), refuse(3, window, "cc", 1, expired)},
			nil},
		{"just outside the window after the end", grace, []diagnose.Exchange{
			refuse(1, 0, "aa", 1, expired), refuse(2, window+1, "bb", 1, expired), refuse(3, window+1, "cc", 1, expired)},
			[]string{"3:refresh-after-logout[1 2 3]"}},
		{"one late request is forgiven", grace, []diagnose.Exchange{
			refuse(1, 0, "aa", 1, revoked), refuse(2, time.Minute, "aa", 1, revoked)},
			nil},
		{"a forced 401 ends nothing", grace, []diagnose.Exchange{
			forced(refuse(1, 0, "aa", 1, revoked)), rotate(2, 5*time.Second, "aa", 1), rotate(3, 10*time.Second, "bb", 2)},
			nil},
		{"a 401 without a code, known to end the session (a proxy's view)", grace, []diagnose.Exchange{
			ended(refuse(1, 0, "aa", 1, "")), refuse(2, window+1, "bb", 1, ""), refuse(3, window+2, "cc", 1, "")},
			[]string{"3:refresh-after-logout[1 2 3]"}},
		{"a 401 without a code, not known to end anything", grace, []diagnose.Exchange{
			refuse(1, 0, "aa", 1, ""), refuse(2, window+1, "bb", 1, ""), refuse(3, window+2, "cc", 1, "")},
			nil},
		{"a forced answer ends nothing, even marked ended", grace, []diagnose.Exchange{
			forced(ended(refuse(1, 0, "aa", 1, ""))), refuse(2, window+1, "bb", 1, ""), refuse(3, window+2, "cc", 1, "")},
			nil},
		{"a session that rotates again (clock set back) lives", grace, []diagnose.Exchange{
			refuse(1, 0, "aa", 1, expired), rotate(2, time.Minute, "aa", 1), rotate(3, 2*time.Minute, "bb", 2)},
			nil},

		// malformed-request and missing-credential: the request alone.
		{"refresh_token instead of refreshToken", grace, []diagnose.Exchange{
			{At: t0, EventID: 1, Status: 400, Code: "validation_failed", BodyFields: []string{"refresh_token"}}},
			[]string{"1:malformed-request[1]"}},
		{"a 400 a fault forced", grace, []diagnose.Exchange{
			{At: t0, EventID: 1, Status: 400, Code: "validation_failed", Forced: true}},
			nil},
		{"no credential", grace, []diagnose.Exchange{
			{At: t0, EventID: 1, Session: "s1", Status: 401, Code: "missing_credentials", NoCredential: true}},
			[]string{"1:missing-credential[1]"}},

		// refresh-storm: more than Count rotations within Window, once per window.
		{"grace replays are not rotations", diagnose.Config{Storm: diagnose.StormLimit{Count: 1, Window: time.Minute}},
			[]diagnose.Exchange{rotate(1, 0, "aa", 1), replay(2, time.Second, "aa", 1)},
			[]string{"2:concurrent-refresh[1 2]"}},
		{"six rotations in 50s", storm, sequential(6, 10*time.Second), []string{"6:refresh-storm[1 2 3 4 5 6]"}},
		{"six rotations spanning exactly the storm window", storm, sequential(6, 12*time.Second), []string{"6:refresh-storm[1 2 3 4 5 6]"}},
		{"six rotations spanning just over it", storm, sequential(6, 12*time.Second+1), nil},
		{"twelve in 55s: once per window", storm, sequential(12, 5*time.Second), []string{"6:refresh-storm[1 2 3 4 5 6]"}},
		{"a storm in the next window is found again", storm, sequential(20, 10*time.Second),
			[]string{"6:refresh-storm[1 2 3 4 5 6]", "13:refresh-storm[7 8 9 10 11 12 13]", "20:refresh-storm[14 15 16 17 18 19 20]"}},

		// Behaviours that must not be flagged.
		{"sequential rotations, each with the newest pair", grace, sequential(8, 15*time.Minute), nil},
		{"sequential rotations in quick succession, under the storm limit", grace, sequential(5, 100*time.Millisecond), nil},
		{"signing out after the ending 401", grace, []diagnose.Exchange{
			rotate(1, 0, "aa", 1), refuse(2, 15*time.Minute, "bb", 2, expired)},
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := observe(t, tc.cfg, tc.exs); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("findings:\n got %v\nwant %v", got, tc.want)
			}
		})
	}
}

// sequential is n rotations, each with the token the previous one returned, every gap apart.
func sequential(n int, gap time.Duration) []diagnose.Exchange {
	exs := make([]diagnose.Exchange, n)
	for i := range exs {
		exs[i] = rotate(int64(i+1), time.Duration(i)*gap, fmt.Sprintf("%04x", i), i+1)
	}
	return exs
}
