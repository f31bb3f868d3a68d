package natsstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/nubo-dev/nubo/internal/store"
)

// tableShards is how many streams (each with its own connection) a table
// spreads its rows over: a stream stores its messages one at a time, so
// shards let writes to different keys proceed in parallel.
const tableShards = 4

// Table opens (creating or updating if needed) the table name: streams
// "<name>_<n>" of subjects "<prefix>.<n>.>" that keep only the last message
// of each subject. A write replaces its key's row, an empty message deletes
// it (and expires itself a second later), and rows may carry a TTL. A key
// always lives in the same shard, so its writes keep their order.
func (s *Store) Table(ctx context.Context, name, prefix string) (store.Table, error) {
	t := &table{prefix: prefix}
	for i := 0; i < tableShards; i++ {
		nc, err := s.connect()
		if err != nil {
			return nil, err
		}
		js, err := jetstream.New(nc)
		if err != nil {
			return nil, fmt.Errorf("open table %s: %w", name, err)
		}
		sh := shard{js: js, name: name + "_" + strconv.Itoa(i), prefix: prefix + "." + strconv.Itoa(i)}
		sh.st, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name:              sh.name,
			Subjects:          []string{sh.prefix + ".>"},
			Storage:           jetstream.FileStorage,
			MaxMsgsPerSubject: 1,
			MaxBytes:          -1,
			AllowMsgTTL:       true,
			Discard:           jetstream.DiscardOld,
		})
		if err != nil {
			return nil, fmt.Errorf("open table %s: %w", name, err)
		}
		t.shards = append(t.shards, sh)
	}
	return t, nil
}

type table struct {
	prefix string
	shards []shard
}

type shard struct {
	js     jetstream.JetStream
	st     jetstream.Stream
	name   string
	prefix string
}

func (t *table) shardOf(key string) *shard {
	h := fnv.New32a()
	h.Write([]byte(key))
	return &t.shards[h.Sum32()%uint32(len(t.shards))]
}

// tombstoneTTL is how long an empty message that deleted a row stays: the
// shortest TTL JetStream takes.
const tombstoneTTL = time.Second

func (t *table) Write(rows ...store.Row) store.Pending {
	p := &pending{futures: make([]jetstream.PubAckFuture, 0, len(rows))}
	for _, r := range rows {
		sh := t.shardOf(r.Key)
		m := &nats.Msg{Subject: sh.prefix + "." + r.Key, Data: r.Value}
		ttl := r.TTL
		if len(r.Value) == 0 {
			ttl = tombstoneTTL
		}
		var opts []jetstream.PublishOpt
		if ttl > 0 {
			opts = append(opts, jetstream.WithMsgTTL(max(ttl, time.Second)))
		}
		f, err := sh.js.PublishMsgAsync(m, opts...)
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

func (sh *shard) filter(prefix string) string {
	if prefix == "" {
		return sh.prefix + ".>"
	}
	return sh.prefix + "." + prefix + ".>"
}

func (t *table) Scan(ctx context.Context, prefix string, fn func(store.Row) bool) error {
	for i := range t.shards {
		more, err := t.shards[i].scan(ctx, prefix, fn)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// scan reads one shard; more is false when fn stopped the scan.
func (sh *shard) scan(ctx context.Context, prefix string, fn func(store.Row) bool) (bool, error) {
	cons, err := sh.js.OrderedConsumer(ctx, sh.name, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{sh.filter(prefix)},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return false, fmt.Errorf("scan %s: %w", prefix, err)
	}
	remaining := cons.CachedInfo().NumPending
	for remaining > 0 {
		batch, err := cons.Fetch(int(min(remaining, 4096)), jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return false, fmt.Errorf("scan %s: %w", prefix, err)
		}
		n := 0
		for msg := range batch.Messages() {
			n++
			remaining--
			if len(msg.Data()) == 0 {
				continue // a deleted row's tombstone
			}
			if !fn(store.Row{Key: msg.Subject()[len(sh.prefix)+1:], Value: msg.Data()}) {
				return false, nil
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, nats.ErrTimeout) {
			return false, fmt.Errorf("scan %s: %w", prefix, err)
		}
		if n == 0 {
			break // the rows counted expired meanwhile
		}
	}
	return true, nil
}

func (t *table) Purge(ctx context.Context, prefix string) error {
	for _, sh := range t.shards {
		if err := sh.st.Purge(ctx, jetstream.WithPurgeSubject(sh.filter(prefix))); err != nil {
			return fmt.Errorf("purge %s: %w", prefix, err)
		}
	}
	return nil
}
