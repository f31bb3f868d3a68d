package natsstore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/nubo-dev/nubo/internal/store"
)

// Watch follows the keys under prefix (see store.Watchable). It reads
// with an ordered consumer whose pulls expect a heartbeat every half
// second, so that a watch whose consumer was on a node that died resumes
// on another within a second or two (nats.go's KV watcher waits for ten).
func (b kvBucket) Watch(ctx context.Context, prefix string, fn func(store.Change)) (store.Follower, error) {
	filter := ">"
	if prefix != "" {
		filter = prefix + ".>"
	}
	cons, err := again(ctx, b.s, true, func() (jetstream.Consumer, error) {
		return b.js.OrderedConsumer(ctx, b.st.CachedInfo().Config.Name, jetstream.OrderedConsumerConfig{
			FilterSubjects: []string{b.prefix + filter}, DeliverPolicy: jetstream.DeliverLastPerSubjectPolicy,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", filter, unavailable(err))
	}
	initial := cons.CachedInfo().NumPending
	it, err := cons.Messages(followPulls...)
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", filter, err)
	}
	f := &follower{b: b, filter: filter, cond: make(chan struct{})}
	next := func() bool {
		msg, err := it.Next()
		if err != nil {
			return false
		}
		f.deliver(msg, fn)
		return true
	}
	for i := uint64(0); i < initial; i++ {
		if !next() {
			it.Stop()
			return nil, fmt.Errorf("watch %s: %w", filter, ctx.Err())
		}
	}
	stop := context.AfterFunc(ctx, it.Stop)
	go func() {
		defer stop()
		for next() {
		}
	}()
	return f, nil
}

// follower is a running Watch: it knows the last revision delivered, for
// Sync.
type follower struct {
	b      kvBucket
	filter string

	mu   sync.Mutex
	rev  uint64
	cond chan struct{} // closed and replaced at each delivery
}

func (f *follower) deliver(msg jetstream.Msg, fn func(store.Change)) {
	meta, err := msg.Metadata()
	if err != nil {
		return
	}
	h := msg.Headers()
	deleted := h.Get("KV-Operation") == "DEL" || h.Get("KV-Operation") == "PURGE" || h.Get(jetstream.MarkerReasonHeader) != ""
	rev := meta.Sequence.Stream
	fn(store.Change{Key: msg.Subject()[len(f.b.prefix):], Value: msg.Data(), Revision: rev, Deleted: deleted})
	f.mu.Lock()
	f.rev = max(f.rev, rev)
	close(f.cond)
	f.cond = make(chan struct{})
	f.mu.Unlock()
}

// Sync asks the bucket's leader for the last revision under the filter and
// waits until the watch has delivered it.
func (f *follower) Sync(ctx context.Context) error {
	m, err := again(ctx, f.b.s, true, func() (*jetstream.RawStreamMsg, error) { return f.b.st.GetLastMsgForSubject(ctx, f.b.prefix+f.filter) })
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", f.filter, unavailable(err))
	}
	for {
		f.mu.Lock()
		rev, cond := f.rev, f.cond
		f.mu.Unlock()
		if rev >= m.Sequence {
			return nil
		}
		select {
		case <-cond:
		case <-ctx.Done():
			return fmt.Errorf("sync %s: %w", f.filter, ctx.Err())
		}
	}
}
