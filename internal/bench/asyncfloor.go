package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/nubo-dev/nubo/internal/store/natsstore"
)

// measureAsyncFloor is the least durable asynchronous invocation can do
// here, end to end: the enqueue floor stores each event in its work-queue
// stream on disk and answers 202; one consumer, as nubo's is, takes the
// events, at most workers at a time, to parked copies of the function on
// the floor's Runtime API and acknowledges each once its copy has
// answered. No configuration, retries, logs, meter or limits. It returns
// the rate, events/s from the first enqueue to the last acknowledgement,
// of events sent by callers at once.
func measureAsyncFloor(ctx context.Context, bin string, events, callers, workers int) (float64, error) {
	q, err := startEnqueueFloor(ctx)
	if err != nil {
		return 0, fmt.Errorf("start the enqueue floor: %w", err)
	}
	defer q.stop()
	f, err := startFloor(bin, workers)
	if err != nil {
		return 0, fmt.Errorf("start the floor: %w", err)
	}
	defer f.stop()
	cons, err := q.js.CreateOrUpdateConsumer(ctx, "events", jetstream.ConsumerConfig{
		Durable: "floor", AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: workers,
	})
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var finished atomic.Int64
	done := make(chan struct{})
	run := func(m jetstream.Msg) {
		if _, ok := f.call(ctx, m.Data()); !ok {
			return
		}
		m.Ack()
		if finished.Add(1) == int64(events) {
			close(done)
		}
	}
	go natsstore.Pull(ctx, cons, workers, func(m jetstream.Msg) { go run(m) }) // as nubo's consumers pull
	start := time.Now()
	if failed := newClient(q.base(), callers).burst(ctx, "noop", events, callers); failed > 0 {
		return 0, fmt.Errorf("%d of %d events failed on the enqueue floor", failed, events)
	}
	select {
	case <-done:
		return float64(events) / time.Since(start).Seconds(), nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
