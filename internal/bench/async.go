package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/lambda"
	"github.com/nubo-dev/nubo/internal/server"
)

// AsyncReport is the asynchronous scenario's result.
type AsyncReport struct {
	// Enqueue is the latency of an Event invocation (one caller).
	Enqueue Stats
	// Events is how many events went through end to end, and Through the
	// rate from the first enqueue to the last event done.
	Events  int
	Through float64
	Errors  int
}

// runAsync measures Event invocations of the no-op function: the latency of
// storing one, then the rate at which a burst of them is run.
func runAsync(ctx context.Context, srv *server.Server, c *client, events int) (*AsyncReport, error) {
	rep := &AsyncReport{}
	if err := drain(ctx, srv, "noop"); err != nil {
		return nil, err
	}
	var lat []time.Duration
	errs := 0
	for i := 0; i < 2000; i++ {
		start := time.Now()
		if err := c.enqueue(ctx, "noop"); err != nil {
			errs++
			continue
		}
		lat = append(lat, time.Since(start))
	}
	rep.Enqueue = summarise(lat, errs, 0)
	if err := drain(ctx, srv, "noop"); err != nil {
		return nil, err
	}

	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	const callers = 16
	for w := 0; w < callers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < events; i += callers {
				if err := c.enqueue(ctx, "noop"); err != nil {
					mu.Lock()
					rep.Errors++
					mu.Unlock()
				}
			}
		}(w)
	}
	wg.Wait()
	if err := drain(ctx, srv, "noop"); err != nil {
		return nil, err
	}
	rep.Events = events
	rep.Through = float64(events) / time.Since(start).Seconds()
	return rep, nil
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
