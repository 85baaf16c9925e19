package bench

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/mock/session"
	"github.com/appmaker/refresh-conformance/spec"
)

// MemoryResult is what the store holds for its sessions, and what a sweep gives back.
type MemoryResult struct {
	Sessions        int
	Added           int64 // live heap the sessions added
	Swept           int   // sessions the sweep dropped
	LeftAfterSweep  int64 // live heap still above the empty store's after the sweep
	RefreshLifetime time.Duration
}

// PerSession is the live heap per session.
func (m MemoryResult) PerSession() float64 { return float64(m.Added) / float64(m.Sessions) }

// liveHeap is the heap in use by reachable objects, after a full collection.
func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// MeasureMemory starts n sessions the way POST /__mock/sessions does, on a mock with a
// fake clock, and measures the live heap they add; then it moves the clock past their
// refresh lifetime, sweeps, and measures what is left.
func MeasureMemory(ctx context.Context, n int) (MemoryResult, error) {
	doc, err := spec.Load()
	if err != nil {
		return MemoryResult{}, err
	}
	clock := mock.NewFakeClock(time.Now())
	srv, err := mock.NewServer(doc, mock.WithClock(clock), mock.WithStore(session.NewMemStore()))
	if err != nil {
		return MemoryResult{}, err
	}
	base := liveHeap()
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				if _, err := srv.NewSession(ctx, mock.NewSessionRequest{}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return MemoryResult{}, fmt.Errorf("start sessions: %w", err)
	}
	res := MemoryResult{Sessions: n, Added: liveHeap() - base, RefreshLifetime: mock.DefaultRefreshTTL}
	clock.Advance(mock.DefaultRefreshTTL)
	if res.Swept, err = srv.SweepExpired(ctx); err != nil {
		return res, err
	}
	res.LeftAfterSweep = liveHeap() - base
	runtime.KeepAlive(srv)
	return res, nil
}
