package natsstore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/nubo-dev/nubo/internal/store"
)

// Watch follows the keys under prefix (see store.Watchable).
func (b kvBucket) Watch(ctx context.Context, prefix string, fn func(store.Change)) (store.Follower, error) {
	filter := ">"
	if prefix != "" {
		filter = prefix + ".>"
	}
	w, err := b.kv.Watch(ctx, filter)
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", filter, unavailable(err))
	}
	f := &follower{b: b, filter: filter, cond: make(chan struct{})}
	// The initial values end with a nil entry.
	for e := range w.Updates() {
		if e == nil {
			break
		}
		f.deliver(e, fn)
	}
	go func() {
		defer w.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-w.Updates():
				if !ok {
					return
				}
				if e != nil {
					f.deliver(e, fn)
				}
			}
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

func (f *follower) deliver(e jetstream.KeyValueEntry, fn func(store.Change)) {
	op := e.Operation()
	fn(store.Change{Key: e.Key(), Value: e.Value(), Revision: e.Revision(),
		Deleted: op == jetstream.KeyValueDelete || op == jetstream.KeyValuePurge})
	f.mu.Lock()
	f.rev = max(f.rev, e.Revision())
	close(f.cond)
	f.cond = make(chan struct{})
	f.mu.Unlock()
}

// Sync asks the bucket's leader for the last revision under the filter and
// waits until the watch has delivered it.
func (f *follower) Sync(ctx context.Context) error {
	m, err := f.b.st.GetLastMsgForSubject(ctx, f.b.prefix+f.filter)
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
