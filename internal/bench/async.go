package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nubo-dev/nubo/internal/server"
	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// AsyncReport is the asynchronous scenario's result.
type AsyncReport struct {
	// Enqueue is the latency of an Event invocation from one caller
	// sending back to back, while the events run: the CPU is saturated.
	Enqueue Stats
	// Paced is the same at pacedRate, where the events' running leaves
	// the CPU most of its time.
	Paced Stats
	// Floor and PacedFloor are the same on the enqueue floor (see
	// enqueueFloor), where nothing consumes the events.
	Floor, PacedFloor Stats
	// Events is how many events went through end to end, and Through the
	// rate from the first enqueue to the last event done.
	Events  int
	Through float64
	Errors  int
	// FloorThrough is the same burst's rate on the async floor (see
	// measureAsyncFloor), run asyncWorkers at a time.
	FloorThrough float64
}

// runAsync measures Event invocations of the no-op function: the latency of
// storing one, then the rate at which a burst of them is run.
func runAsync(ctx context.Context, srv *server.Server, c *client, bin string, enqueues, events int) (*AsyncReport, error) {
	rep := &AsyncReport{}
	var err error
	if rep.Floor, err = measureEnqueueFloor(ctx, enqueues, 0); err != nil {
		return nil, err
	}
	if rep.PacedFloor, err = measureEnqueueFloor(ctx, enqueues, time.Second/pacedRate); err != nil {
		return nil, err
	}
	if err := drain(ctx, srv, "noop"); err != nil {
		return nil, err
	}
	for _, m := range []struct {
		stats *Stats
		every time.Duration
	}{{&rep.Enqueue, 0}, {&rep.Paced, time.Second / pacedRate}} {
		*m.stats = c.enqueues(ctx, enqueues, m.every)
		if err := drain(ctx, srv, "noop"); err != nil {
			return nil, err
		}
	}

	// The burst runs asyncWorkers events at a time, as the floor's does and
	// as the warm invokes it is compared with: without a reservation, nubo
	// runs as many at once as the account's limit allows.
	if err := c.reserve(ctx, "noop", asyncWorkers); err != nil {
		return nil, err
	}
	start := time.Now()
	rep.Errors = c.burst(ctx, "noop", events, asyncCallers)
	if err := drain(ctx, srv, "noop"); err != nil {
		return nil, err
	}
	if err := c.unreserve(ctx, "noop"); err != nil {
		return nil, err
	}
	rep.Events = events
	rep.Through = float64(events) / time.Since(start).Seconds()
	if rep.FloorThrough, err = measureAsyncFloor(ctx, bin, events, asyncCallers, asyncWorkers); err != nil {
		return nil, err
	}
	return rep, nil
}

// asyncCallers is how many callers send the burst of events at once.
const asyncCallers = 16

// asyncWorkers is how many events the burst runs at a time, on nubo and on
// the async floor: the concurrency of the warm invokes its rate is compared
// with.
const asyncWorkers = 8

// burst sends events Event invocations of fn from callers at once and
// counts the ones that failed.
func (c *client) burst(ctx context.Context, fn string, events, callers int) int {
	var wg sync.WaitGroup
	var failed atomic.Int64
	for w := range callers {
		wg.Go(func() {
			for i := w; i < events; i += callers {
				if c.enqueue(ctx, fn) != nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return int(failed.Load())
}

// pacedRate is the rate of the paced enqueue measurement, events/s.
const pacedRate = 200

// enqueues times n Event invocations from one caller, each sent every
// apart (at once when the one before took longer).
func (c *client) enqueues(ctx context.Context, n int, every time.Duration) Stats {
	var lat []time.Duration
	errs := 0
	next := time.Now()
	for range n {
		time.Sleep(time.Until(next))
		next = next.Add(every)
		start := time.Now()
		if err := c.enqueue(ctx, "noop"); err != nil {
			errs++
			continue
		}
		lat = append(lat, time.Since(start))
	}
	return summarise(lat, errs, 0)
}

// drain waits until the function's asynchronous backlog is empty.
func drain(ctx context.Context, srv *server.Server, fn string) error {
	scope := lambda.Scope{Account: "000000000000", Region: "us-east-1"}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		n, err := srv.Async().Backlog(ctx, scope, fn)
		if err == nil && n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("async backlog of %s still %d after 5 minutes (%v)", fn, n, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
