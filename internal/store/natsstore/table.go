package natsstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"sync"
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
// "<name>_<n>" of subjects "<prefix>.<n>.>". A key always lives in the same
// shard, so its writes keep their order.
//
// Every write of a row is a message with "Nats-Rollup: sub", which makes
// JetStream remove the key's earlier messages with a purge. A purge records
// each removal on disk, so it holds across crashes. JetStream's own
// per-subject limit (MaxMsgsPerSubject) would remove them too, but only in
// memory until it next writes its index: if the newest message of a
// subject then goes too (a TTL, a purge), a crash brings the older ones
// back. That is how deleted SQS messages returned once their
// one-second deletion markers had expired.
//
// A deleted row is an empty message (its marker) that rolls up the row's
// versions; once JetStream has acknowledged it, the table purges the marker
// too, up to its own sequence, in the background. A marker that a crash
// left behind reads as a deleted row and is purged by the next Scan that
// meets it.
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
		sh := &shard{js: js, name: name + "_" + strconv.Itoa(i), prefix: prefix + "." + strconv.Itoa(i), log: s.log}
		sh.st, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name:              sh.name,
			Subjects:          []string{sh.prefix + ".>"},
			Storage:           jetstream.FileStorage,
			MaxMsgsPerSubject: -1,
			MaxBytes:          -1,
			AllowMsgTTL:       true,
			AllowRollup:       true,
			Discard:           jetstream.DiscardOld,
		})
		if err != nil {
			return nil, fmt.Errorf("open table %s: %w", name, err)
		}
		sh.markers = newMarkerQueue()
		s.goRun(sh.sweep)
		t.shards = append(t.shards, sh)
	}
	return t, nil
}

type table struct {
	prefix string
	shards []*shard
}

type shard struct {
	js      jetstream.JetStream
	st      jetstream.Stream
	name    string
	prefix  string
	log     *slog.Logger
	markers *markerQueue
}

func (t *table) shardOf(key string) *shard {
	h := fnv.New32a()
	h.Write([]byte(key))
	return t.shards[h.Sum32()%uint32(len(t.shards))]
}

func (t *table) Write(rows ...store.Row) store.Pending {
	p := &pending{writes: make([]write, 0, len(rows))}
	for _, r := range rows {
		sh := t.shardOf(r.Key)
		m := &nats.Msg{Subject: sh.prefix + "." + r.Key, Data: r.Value, Header: nats.Header{}}
		m.Header.Set(jetstream.MsgRollup, jetstream.MsgRollupSubject)
		var opts []jetstream.PublishOpt
		if r.TTL > 0 && len(r.Value) > 0 {
			opts = append(opts, jetstream.WithMsgTTL(max(r.TTL, time.Second)))
		}
		f, err := sh.js.PublishMsgAsync(m, opts...)
		if err != nil {
			p.err = fmt.Errorf("write %s: %w", r.Key, err)
			return p
		}
		p.writes = append(p.writes, write{f: f, sh: sh, marker: len(r.Value) == 0})
	}
	return p
}

type write struct {
	f      jetstream.PubAckFuture
	sh     *shard
	marker bool
}

type pending struct {
	writes []write
	err    error
}

func (p *pending) Wait(ctx context.Context) error {
	for _, w := range p.writes {
		select {
		case ack := <-w.f.Ok():
			if w.marker {
				w.sh.markers.add(marker{subject: w.f.Msg().Subject, seq: ack.Sequence})
			}
		case err := <-w.f.Err():
			return fmt.Errorf("write %s: %w", w.f.Msg().Subject, err)
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
	for _, sh := range t.shards {
		more, err := sh.scan(ctx, prefix, fn)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// scan reads the newest message of each key of one shard; more is false
// when fn stopped the scan.
func (sh *shard) scan(ctx context.Context, prefix string, fn func(store.Row) bool) (bool, error) {
	cons, err := sh.js.OrderedConsumer(ctx, sh.name, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{sh.filter(prefix)},
		DeliverPolicy:  jetstream.DeliverLastPerSubjectPolicy,
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
				// A deleted row whose marker a crash kept.
				if meta, err := msg.Metadata(); err == nil {
					sh.markers.add(marker{subject: msg.Subject(), seq: meta.Sequence.Stream})
				}
				continue
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

// marker is a stored deletion marker: the message at seq on subject.
type marker struct {
	subject string
	seq     uint64
}

// markerQueue holds the markers waiting to be purged.
type markerQueue struct {
	mu   sync.Mutex
	list []marker
	wake chan struct{}
}

func newMarkerQueue() *markerQueue { return &markerQueue{wake: make(chan struct{}, 1)} }

func (q *markerQueue) add(m marker) {
	q.mu.Lock()
	q.list = append(q.list, m)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *markerQueue) take() []marker {
	q.mu.Lock()
	defer q.mu.Unlock()
	l := q.list
	q.list = nil
	return l
}

// sweep purges the shard's stored deletion markers until ctx ends. The
// purge stops at the marker's sequence, so a row written again after its
// deletion stays. A purge that fails leaves the marker, which reads as a
// deleted row, for a later Scan to find.
func (sh *shard) sweep(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-sh.markers.wake:
		}
		for _, m := range sh.markers.take() {
			err := sh.st.Purge(ctx, jetstream.WithPurgeSubject(m.subject), jetstream.WithPurgeSequence(m.seq+1))
			if err != nil && ctx.Err() == nil {
				sh.log.Warn("store: purge a deletion marker", "subject", m.subject, "err", err)
			}
		}
	}
}
