package natsstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The steps of a clustered rewrite that touch the generations: sealing
// the older ones, copying into the new one, deleting the older ones (see
// logcluster.go).

// seal seals the generations gens, and returns when their leaders last
// showed them all sealed.
func (t *logTable) seal(ctx context.Context, gens []int) (time.Time, error) {
	for _, g := range gens {
		info, err := t.streamInfo(ctx, g)
		if err != nil {
			return time.Time{}, err
		}
		if !info.Config.Sealed {
			cfg := info.Config
			cfg.Sealed = true
			if _, err := again(ctx, t.st, true, func() (jetstream.Stream, error) { return t.js.UpdateStream(ctx, cfg) }); err != nil {
				return time.Time{}, fmt.Errorf("seal %s: %w", t.stream(g), err)
			}
		}
	}
	for _, g := range gens {
		for {
			info, err := t.streamInfo(ctx, g)
			if err != nil {
				return time.Time{}, err
			}
			if info.Config.Sealed {
				break
			}
			select {
			case <-time.After(50 * time.Millisecond):
			case <-ctx.Done():
				return time.Time{}, ctx.Err()
			}
		}
	}
	return time.Now(), nil
}

// copyInto publishes rows, but for those expired, into generation next as
// groups of copies, and waits until they are stored; it returns how many
// rows and bytes it copied.
func (t *logTable) copyInto(ctx context.Context, rows []scanned, next int) (int, int64, error) {
	now := t.clock().UnixMilli()
	var futures []jetstream.PubAckFuture
	var size int64
	copied := 0
	buf := []byte{logCopies}
	publish := func() error {
		f, err := t.js.PublishMsgAsync(&nats.Msg{Subject: t.subject(next), Data: buf})
		if err != nil {
			return err
		}
		futures = append(futures, f)
		size += int64(len(buf))
		buf = []byte{logCopies}
		return nil
	}
	for _, r := range rows {
		if r.expires != 0 && r.expires <= now {
			continue
		}
		if len(buf) > 1 && len(buf)+opSize(r.key, r.value) > t.groupMax {
			if err := publish(); err != nil {
				return 0, 0, fmt.Errorf("copy into %s: %w", t.stream(next), err)
			}
		}
		buf = appendOp(buf, r.key, r.value, r.expires)
		copied++
	}
	if len(buf) > 1 {
		if err := publish(); err != nil {
			return 0, 0, fmt.Errorf("copy into %s: %w", t.stream(next), err)
		}
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return 0, 0, fmt.Errorf("copy into %s: %w", t.stream(next), unavailable(err))
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		}
	}
	return copied, size, nil
}

// dropSealed deletes the generations old, whose rows next holds.
func (t *logTable) dropSealed(ctx context.Context, old []int, next, copied int) error {
	for _, g := range old {
		_, err := again(ctx, t.st, true, func() (struct{}, error) { return struct{}{}, t.js.DeleteStream(ctx, t.stream(g)) })
		if err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			return fmt.Errorf("delete %s: %w", t.stream(g), err)
		}
	}
	t.mu.Lock()
	t.gens = slices.DeleteFunc(t.gens, func(g int) bool { return g < next })
	for _, g := range old {
		delete(t.genBytes, g)
	}
	t.mu.Unlock()
	t.space.refresh()
	t.log.Info("store: rewrote a log table", "table", t.name, "generation", next, "rows", copied)
	return nil
}
