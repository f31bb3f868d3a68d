package natsstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/nubo-dev/nubo/internal/store"
)

// Table opens (creating or updating if needed) the table name, a stream of
// subjects "<prefix>.>" that keeps only the last message of each subject:
// a write replaces its key's row, an empty message deletes it (and expires
// itself a second later), and rows may carry a TTL.
func (s *Store) Table(ctx context.Context, name, prefix string) (store.Table, error) {
	st, err := s.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:              name,
		Subjects:          []string{prefix + ".>"},
		Storage:           jetstream.FileStorage,
		MaxMsgsPerSubject: 1,
		MaxBytes:          -1,
		AllowMsgTTL:       true,
		Discard:           jetstream.DiscardOld,
	})
	if err != nil {
		return nil, fmt.Errorf("open table %s: %w", name, err)
	}
	return &table{js: s.js, st: st, name: name, prefix: prefix}, nil
}

type table struct {
	js     jetstream.JetStream
	st     jetstream.Stream
	name   string
	prefix string
}

// tombstoneTTL is how long an empty message that deleted a row stays: the
// shortest TTL JetStream takes.
const tombstoneTTL = time.Second

func (t *table) Write(rows ...store.Row) store.Pending {
	p := &pending{futures: make([]jetstream.PubAckFuture, 0, len(rows))}
	for _, r := range rows {
		m := &nats.Msg{Subject: t.prefix + "." + r.Key, Data: r.Value}
		ttl := r.TTL
		if len(r.Value) == 0 {
			ttl = tombstoneTTL
		}
		var opts []jetstream.PublishOpt
		if ttl > 0 {
			opts = append(opts, jetstream.WithMsgTTL(max(ttl, time.Second)))
		}
		f, err := t.js.PublishMsgAsync(m, opts...)
		if err != nil {
			p.err = fmt.Errorf("write %s: %w", r.Key, err)
			return p
		}
		p.futures = append(p.futures, f)
	}
	return p
}

type pending struct {
	futures []jetstream.PubAckFuture
	err     error
}

func (p *pending) Wait(ctx context.Context) error {
	for _, f := range p.futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("write %s: %w", f.Msg().Subject, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return p.err
}

func (t *table) filter(prefix string) string {
	if prefix == "" {
		return t.prefix + ".>"
	}
	return t.prefix + "." + prefix + ".>"
}

func (t *table) Scan(ctx context.Context, prefix string, fn func(store.Row) bool) error {
	cons, err := t.js.OrderedConsumer(ctx, t.name, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{t.filter(prefix)},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return fmt.Errorf("scan %s: %w", prefix, err)
	}
	remaining := cons.CachedInfo().NumPending
	for remaining > 0 {
		batch, err := cons.Fetch(int(min(remaining, 4096)), jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return fmt.Errorf("scan %s: %w", prefix, err)
		}
		n := 0
		for msg := range batch.Messages() {
			n++
			remaining--
			if len(msg.Data()) == 0 {
				continue // a deleted row's tombstone
			}
			row := store.Row{Key: msg.Subject()[len(t.prefix)+1:], Value: msg.Data()}
			if !fn(row) {
				return nil
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, nats.ErrTimeout) {
			return fmt.Errorf("scan %s: %w", prefix, err)
		}
		if n == 0 {
			return nil // the rows counted expired meanwhile
		}
	}
	return nil
}

func (t *table) Purge(ctx context.Context, prefix string) error {
	if err := t.st.Purge(ctx, jetstream.WithPurgeSubject(t.filter(prefix))); err != nil {
		return fmt.Errorf("purge %s: %w", prefix, err)
	}
	return nil
}
