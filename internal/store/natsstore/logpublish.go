package natsstore

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/nubo-dev/nubo/internal/store"
)

// A log table's groups go to the newest generation in order (flush) and
// are acknowledged in order (acknowledge).

// inflight is a published group and its acknowledgement.
type inflight struct {
	g *group
	f jetstream.PubAckFuture
}

// flush publishes the queued groups in order, at most logInflight at a
// time, until ctx ends; then it fails those left. The first group of a
// newer generation waits until those before it are stored: in a cluster
// a group refused by a sealed generation is published again into the
// newer one (see acknowledge), and must land there before the groups
// that follow it.
func (t *logTable) flush(ctx context.Context) {
	defer t.failQueued()
	published := -1
	for {
		select {
		case t.slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		g := t.next(ctx)
		if g == nil {
			return
		}
		if g.gen != published && published >= 0 && !t.drain(ctx) {
			g.finish(fmt.Errorf("write to %s: %w", t.name, ctx.Err()))
			return
		}
		published = g.gen
		f, err := t.js.PublishMsgAsync(&nats.Msg{Subject: t.subject(g.gen), Data: g.buf})
		if err != nil {
			g.finish(fmt.Errorf("write to %s: %w", t.name, unavailable(err)))
			<-t.slots
			continue
		}
		select {
		case t.acks <- inflight{g, f}:
		case <-ctx.Done():
			g.finish(fmt.Errorf("write to %s: %w", t.name, ctx.Err()))
			return
		}
	}
}

// next takes the oldest queued group with rows, waiting for one.
func (t *logTable) next(ctx context.Context) *group {
	for {
		t.mu.Lock()
		if len(t.queue) > 0 && len(t.queue[0].buf) > 1 {
			g := t.queue[0]
			t.queue[0] = nil
			t.queue = t.queue[1:]
			if t.clustered() {
				// Queued before this node learnt of a newer generation.
				g.gen = t.gens[len(t.gens)-1]
			}
			t.mu.Unlock()
			return g
		}
		t.mu.Unlock()
		select {
		case <-t.wake:
		case <-ctx.Done():
			return nil
		}
	}
}

func (t *logTable) failQueued() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, g := range t.queue {
		g.finish(fmt.Errorf("write to %s: %w", t.name, store.Unavailable("the store is closed")))
	}
	t.queue = nil
}

// acknowledge waits for the published groups' acknowledgements, in order,
// and tells their writers, until ctx ends.
func (t *logTable) acknowledge(ctx context.Context) {
	for {
		var in inflight
		select {
		case in = <-t.acks:
		case <-ctx.Done():
			return
		}
		select {
		case <-in.f.Ok():
			in.g.finish(nil)
			// Nothing reads a stored group's buffer again.
			groupBuffers.Put(in.g.buf[:0])
			in.g.buf = nil
		case err := <-in.f.Err():
			if moved(err) && t.clustered() {
				err = t.republish(ctx, in.g, err)
			}
			if err != nil {
				err = fmt.Errorf("write to %s: %w", t.name, unavailable(err))
			}
			in.g.finish(err)
		case <-ctx.Done():
			in.g.finish(fmt.Errorf("write to %s: %w", t.name, ctx.Err()))
			return
		}
		<-t.slots
	}
}
