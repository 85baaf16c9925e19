package mock_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/mock"
)

// eventStream reads GET /__mock/events?follow=1 as an EventSource would.
type eventStream struct {
	events chan mock.Event
	ended  chan struct{}
	raw    chan string // every line, for the token check
}

// follow opens the event stream; query adds parameters ("&since=3"). Once it returns,
// every later request is in the stream.
func (h *harness) follow(query string, headers ...string) *eventStream {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h.t.Cleanup(cancel)
	req := h.newRequest(http.MethodGet, "/__mock/events?follow=1"+query, "", headers...).WithContext(ctx)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("Cache-Control") != "no-store" {
		resp.Body.Close()
		h.t.Fatalf("follow: %d %v", resp.StatusCode, resp.Header)
	}
	s := &eventStream{events: make(chan mock.Event, 64), ended: make(chan struct{}), raw: make(chan string, 1024)}
	go func() {
		defer close(s.ended)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var kind, data string
		for sc.Scan() {
			line := sc.Text()
			select {
			case s.raw <- line:
			default:
			}
			switch {
			case strings.HasPrefix(line, "event: "):
				kind = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimPrefix(line, "data: ")
			case line == "" && kind == "request":
				var e mock.Event
				if err := json.Unmarshal([]byte(data), &e); err != nil {
					h.t.Errorf("event data is not an Event: %v: %s", err, data)
				}
				s.events <- e
				kind, data = "", ""
			}
		}
	}()
	return s
}

func (s *eventStream) next(t *testing.T) mock.Event {
	t.Helper()
	select {
	case e := <-s.events:
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	return mock.Event{}
}

func (h *harness) events(query string) mock.EventList {
	h.t.Helper()
	return decode[mock.EventList](h.t, h.call(http.MethodGet, "/__mock/events"+query, ""))
}

func TestEventsRecordEachRequestWithItsVerdict(t *testing.T) {
	h := newHarness(t, mock.WithDiagnostics(false)) // the request events alone; with findings: diagnostics_test.go
	s := h.session()
	p := h.refresh(s.AccessToken, s.RefreshToken).pair(t)
	h.do(h.request("application/json", `{"refreshToken":7}`, "Authorization", "Bearer "+p.AccessToken))
	h.refresh(s.AccessToken, s.RefreshToken)
	h.call(http.MethodGet, "/api/v1/nowhere", "")
	h.call(http.MethodGet, "/__mock/clock", "")
	h.call(http.MethodGet, "/healthz", "")

	got := h.events("").Events
	want := []mock.Event{
		{Method: "POST", Path: "/api/v1/auth/refresh-token", Operation: "refreshToken", Status: 201, SessionID: s.SessionID},
		{Method: "POST", Path: "/api/v1/auth/refresh-token", Operation: "refreshToken", Status: 400, Code: mock.CodeValidationFailed, SessionID: s.SessionID},
		{Method: "POST", Path: "/api/v1/auth/refresh-token", Operation: "refreshToken", Status: 401, Code: mock.CodeRefreshTokenReused, SessionID: s.SessionID},
		{Method: "GET", Path: "/api/v1/nowhere", Status: 404, Code: mock.CodeNotFound},
	}
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d (the control plane and /healthz are not recorded): %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Method != w.Method || g.Path != w.Path || g.Operation != w.Operation || g.Status != w.Status || g.Code != w.Code || g.SessionID != w.SessionID {
			t.Errorf("event %d = %+v, want %+v", i+1, g, w)
		}
		if g.ID != uint64(i+1) || !g.Time.Equal(epoch) {
			t.Errorf("event %d: id %d time %s", i+1, g.ID, g.Time)
		}
	}
	if msgs := got[1].ValidationErrors["refreshToken"]; len(msgs) != 1 || !strings.Contains(msgs[0], "string") {
		t.Errorf("validation errors = %v", got[1].ValidationErrors)
	}

	if l := h.events("?limit=2"); len(l.Events) != 2 || l.Events[0].ID != 3 || l.Newest != 4 {
		t.Errorf("?limit=2 = %+v", l)
	}
	if l := h.events("?since=3"); len(l.Events) != 1 || l.Events[0].ID != 4 {
		t.Errorf("?since=3 = %+v", l)
	}
	for _, q := range []string{"?limit=0", "?since=x"} {
		if a := h.call(http.MethodGet, "/__mock/events"+q, ""); a.status != http.StatusBadRequest {
			t.Errorf("%s: %d", q, a.status)
		}
	}
}

func TestEventsKeepTheLastN(t *testing.T) {
	h := newHarness(t, mock.WithEventBuffer(3))
	for range 5 {
		h.call(http.MethodGet, "/api/v1/nowhere", "")
	}
	l := h.events("")
	if len(l.Events) != 3 || l.Events[0].ID != 3 || l.Missed != 2 || l.Newest != 5 {
		t.Fatalf("events = %+v", l)
	}
}

func TestEventsOff(t *testing.T) {
	h := newHarness(t, mock.WithEventBuffer(0))
	h.call(http.MethodGet, "/api/v1/nowhere", "")
	if a := h.call(http.MethodGet, "/__mock/events", ""); a.status != http.StatusConflict {
		t.Fatalf("GET /__mock/events with events off: %d", a.status)
	}
}

func TestEventsFollowStreamsNewRequests(t *testing.T) {
	h := newHarness(t)
	h.call(http.MethodGet, "/api/v1/before", "")
	stream := h.follow("")
	s := h.session()
	h.refresh(s.AccessToken, s.RefreshToken)
	h.call(http.MethodGet, "/api/v1/after", "")
	if e := stream.next(t); e.ID != 2 || e.Status != 201 || e.SessionID != s.SessionID {
		t.Fatalf("first streamed event = %+v, want the refresh (the earlier request is not replayed)", e)
	}
	if e := stream.next(t); e.ID != 3 || e.Path != "/api/v1/after" {
		t.Fatalf("second streamed event = %+v", e)
	}

	// An EventSource that reconnects sends Last-Event-ID and gets what it missed.
	again := h.follow("", "Last-Event-ID", "1")
	for _, want := range []uint64{2, 3} {
		if e := again.next(t); e.ID != want {
			t.Fatalf("replay: event %d, want %d", e.ID, want)
		}
	}
	// An id from an earlier run of the mock (it restarted): everything here is newer.
	restarted := h.follow("", "Last-Event-ID", "999")
	if e := restarted.next(t); e.ID != 1 {
		t.Fatalf("after a restart: event %d, want 1", e.ID)
	}
	h.srv.CloseStreams()
	for _, st := range []*eventStream{stream, again, restarted} {
		select {
		case <-st.ended:
		case <-time.After(5 * time.Second):
			t.Fatal("a stream outlived CloseStreams, so a graceful shutdown would wait for it")
		}
	}
}

// No token reaches an event, whether listed or streamed, wherever the client put it.
func TestEventsNeverHoldATokenOrAHeader(t *testing.T) {
	h := newHarness(t)
	stream := h.follow("")
	s := h.session()
	p := h.refresh(s.AccessToken, s.RefreshToken).pair(t)
	h.refresh(s.AccessToken, s.RefreshToken)
	h.do(h.request("application/json", `{"refreshToken":"`+p.RefreshToken+`"`, "Authorization", "Bearer "+p.AccessToken))
	h.do(h.request("application/json", `["`+p.RefreshToken+`"]`, "x-access-token", p.AccessToken))
	h.do(h.request("text/plain", p.RefreshToken, "Authorization", "Bearer "+p.AccessToken))
	h.call(http.MethodGet, "/api/v1/auth/refresh-token?token="+p.RefreshToken, "")
	for range 6 {
		stream.next(t)
	}
	listed := string(h.call(http.MethodGet, "/__mock/events", "").body)
	var streamed strings.Builder
	for len(stream.raw) > 0 {
		streamed.WriteString(<-stream.raw + "\n")
	}
	for _, tok := range []string{s.AccessToken, s.RefreshToken, p.AccessToken, p.RefreshToken} {
		for part := range strings.SplitSeq(tok, ".") {
			if strings.Contains(listed, part) || strings.Contains(streamed.String(), part) {
				t.Fatal("an event holds (part of) a token")
			}
		}
	}
}
