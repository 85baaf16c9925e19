package mock

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"github.com/appmaker/refresh-conformance/spec"
)

// sharedFaults keeps the fault rules in a SharedState, so that a rule set through one
// replica of a fleet applies on all of them and its count is consumed once across them.
// The rules are one shared value, the requests as posted (each replica builds them against
// its own document); each rule's applications are counted by a shared counter that every
// replica adds to as one step, so a rule for 1 request shapes exactly one, wherever it lands.
type sharedFaults struct {
	state SharedState
	build func(context.Context, FaultRequest) (*fault, error)

	mu       sync.Mutex
	cacheRaw string // the value the rules below were built from
	cached   []*fault
	// exhausted holds the ids of rules whose count is used up. Ids are never reused, so
	// a rule once exhausted stays so, and needs no more counting.
	exhausted sync.Map
}

// sharedFaultsName is the shared value of the rules; counters are named by takenName.
const sharedFaultsName = "faults"

// faultList is the shared value of the rules.
type faultList struct {
	// Next is the last id given: kept when the rules are cleared, so ids are never reused.
	Next  int           `json:"next"`
	Rules []postedFault `json:"rules"`
}

type postedFault struct {
	ID      int          `json:"id"`
	Request FaultRequest `json:"request"`
}

func takenName(id int) string { return "fault-applied:" + strconv.Itoa(id) }

func decodeFaultList(raw []byte) (faultList, error) {
	var l faultList
	if raw == nil {
		return l, nil
	}
	if err := json.Unmarshal(raw, &l); err != nil {
		return l, fmt.Errorf("mock: the shared fault rules are not readable: %w", err)
	}
	return l, nil
}

// rules returns the rules as built on this replica, building them again only when the
// shared value changed.
func (sf *sharedFaults) rules(ctx context.Context) ([]*fault, error) {
	raw, err := sf.state.Shared(ctx, sharedFaultsName)
	if err != nil {
		return nil, err
	}
	sf.mu.Lock()
	defer sf.mu.Unlock()
	if string(raw) == sf.cacheRaw {
		return sf.cached, nil
	}
	l, err := decodeFaultList(raw)
	if err != nil {
		return nil, err
	}
	built := make([]*fault, 0, len(l.Rules))
	for _, p := range l.Rules {
		f, err := sf.build(ctx, p.Request)
		if err != nil {
			// Checked by the replica that accepted it: a replica serving another document
			// (--spec), or a rule for a session that has gone since, cannot apply it.
			continue
		}
		f.rule.ID = p.ID
		built = append(built, f)
	}
	sf.cacheRaw, sf.cached = string(raw), built
	return built, nil
}

func (sf *sharedFaults) take(ctx context.Context, op *spec.Operation, scopeOf func() scope) (*fault, error) {
	rules, err := sf.rules(ctx)
	if err != nil || len(rules) == 0 {
		return nil, err
	}
	var who *scope // found once, when the first rule limited to a session or sub needs it
	for _, f := range rules {
		if f.ops != nil && !f.ops[op] {
			continue
		}
		if f.scoped() {
			if who == nil {
				found := scopeOf()
				who = &found
			}
			if !f.covers(*who) {
				continue
			}
		}
		if _, done := sf.exhausted.Load(f.rule.ID); done {
			continue
		}
		n, err := sf.state.AddShared(ctx, takenName(f.rule.ID), 1)
		if err != nil {
			return nil, err
		}
		if f.left >= 0 && n > int64(f.left) {
			sf.exhausted.Store(f.rule.ID, true)
			continue
		}
		taken := *f
		taken.rule.Applied = int(n)
		if f.left >= 0 {
			taken.left = f.left - int(n)
		}
		return &taken, nil
	}
	return nil, nil
}

func (sf *sharedFaults) add(ctx context.Context, f *fault) (FaultRule, error) {
	var id int
	_, err := sf.state.UpdateShared(ctx, sharedFaultsName, func(old []byte) ([]byte, error) {
		l, err := decodeFaultList(old)
		if err != nil {
			return nil, err
		}
		l.Next++
		id = l.Next
		l.Rules = append(l.Rules, postedFault{ID: id, Request: f.req})
		return json.Marshal(l)
	})
	if err != nil {
		return FaultRule{}, err
	}
	f.rule.ID = id
	return f.view(), nil
}

func (sf *sharedFaults) list(ctx context.Context) ([]FaultRule, error) {
	rules, err := sf.rules(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]FaultRule, 0, len(rules))
	for _, f := range rules {
		raw, err := sf.state.Shared(ctx, takenName(f.rule.ID))
		if err != nil {
			return nil, err
		}
		n, _ := strconv.Atoi(string(raw)) // unset: never applied
		view := *f
		if f.left >= 0 {
			n = min(n, f.left) // counts past the end were refused
			view.left = f.left - n
		}
		view.rule.Applied = n
		out = append(out, view.view())
	}
	return out, nil
}

func (sf *sharedFaults) remove(ctx context.Context, id int) (int, error) {
	var gone []int
	_, err := sf.state.UpdateShared(ctx, sharedFaultsName, func(old []byte) ([]byte, error) {
		l, err := decodeFaultList(old)
		if err != nil || old == nil {
			return old, err
		}
		gone = gone[:0]
		kept := l.Rules[:0]
		for _, p := range l.Rules {
			if id != 0 && p.ID != id {
				kept = append(kept, p)
				continue
			}
			gone = append(gone, p.ID)
		}
		l.Rules = kept
		return json.Marshal(l)
	})
	if err != nil {
		return 0, err
	}
	for _, id := range gone {
		if _, err := sf.state.UpdateShared(ctx, takenName(id), func([]byte) ([]byte, error) { return nil, nil }); err != nil {
			return 0, err
		}
	}
	return len(gone), nil
}
