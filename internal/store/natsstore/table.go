package natsstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"strings"
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

// compactAt is how many deletion markers a shard keeps before it is
// rewritten, unless it holds more live rows than that.
const compactAt = 50000

// Table opens (creating or updating if needed) the table name: one stream
// per shard that keeps the last message of each subject. A key always
// lives in the same shard, so its writes keep their order.
//
// A deleted row is an empty message, its marker, which JetStream keeps as
// the subject's last message. Markers are never removed one by one: when
// JetStream removes a message (a TTL, a purge, the per-subject limit) it
// writes the removal down in ways that a crash can undo, and once a marker
// goes, a crash can bring back the row it deleted (deleted SQS messages
// came back that way in issue 14, when markers expired after a second).
// Instead, once a shard holds more markers than live rows (and at least
// compactAt), its live rows are copied into a new stream (a generation),
// which is marked complete, and the old stream is deleted whole. Open
// picks the newest complete generation and deletes the others, and a
// rewrite starts from an empty stream (createEmpty), so a crash at any
// point of a rewrite loses nothing and revives nothing.
func (s *Store) Table(ctx context.Context, name, prefix string) (store.Table, error) {
	existing, err := placed(ctx, s, "table "+name, func(ctx context.Context) (map[string]bool, error) { return s.streamNames(ctx) })
	if err != nil {
		return nil, fmt.Errorf("open table %s: %w", name, err)
	}
	t := &table{}
	for i := 0; i < tableShards; i++ {
		nc, err := s.connect()
		if err != nil {
			return nil, err
		}
		js, err := s.newJS(nc)
		if err != nil {
			return nil, fmt.Errorf("open table %s: %w", name, err)
		}
		sh := &shard{js: js, store: s, space: s.space, replicas: s.replicas, base: name + "_" + strconv.Itoa(i), basePrefix: prefix + "." + strconv.Itoa(i),
			log: s.log, compactAt: s.compactAt, wake: make(chan struct{}, 1)}
		if sh.compactAt == 0 {
			sh.compactAt = compactAt
		}
		if err := sh.open(ctx, existing); err != nil {
			return nil, fmt.Errorf("open table %s: %w", name, err)
		}
		// Several nodes write a replicated table's shards at once, and a
		// rewrite switches its writers to a new stream, which only works
		// within one process: a clustered table keeps its markers.
		if s.replicas <= 1 {
			s.goRun(sh.run)
		}
		t.shards = append(t.shards, sh)
	}
	return t, nil
}

func (s *Store) streamNames(ctx context.Context) (map[string]bool, error) {
	names := map[string]bool{}
	l := s.js.StreamNames(ctx)
	for n := range l.Name() {
		names[n] = true
	}
	return names, l.Err()
}

type table struct {
	shards []*shard
}

// shard is one stream of a table, in its current generation.
type shard struct {
	js         jetstream.JetStream
	base       string // the stream's name in generation 0
	basePrefix string // its subjects' prefix in generation 0
	log        *slog.Logger
	compactAt  int
	wake       chan struct{}
	space      *space
	replicas   int
	store      *Store

	// mu is held shared to write and scan, and alone to switch
	// generations.
	mu      sync.RWMutex
	gen     int
	st      jetstream.Stream
	prefix  string
	markers int // markers stored in this generation, as far as known
	mmu     sync.Mutex
}

// completeKey is the stream metadata that marks a generation complete.
const completeKey = "nubo_table_complete"

func (sh *shard) names(gen int) (name, prefix string) {
	if gen == 0 {
		return sh.base, sh.basePrefix
	}
	g := "g" + strconv.Itoa(gen)
	return sh.base + "_" + g, sh.basePrefix + g
}

func (sh *shard) config(gen int, complete bool) jetstream.StreamConfig {
	name, prefix := sh.names(gen)
	cfg := jetstream.StreamConfig{
		Name:              name,
		Subjects:          []string{prefix + ".>"},
		Storage:           jetstream.FileStorage,
		Replicas:          sh.replicas,
		MaxMsgsPerSubject: 1,
		MaxBytes:          -1,
		AllowMsgTTL:       true,
		Discard:           jetstream.DiscardOld,
	}
	if complete && gen > 0 {
		cfg.Metadata = map[string]string{completeKey: "true"}
	}
	return cfg
}

// open finds the newest complete generation among existing streams,
// deletes the others, and opens it (generation 0 when there is none).
func (sh *shard) open(ctx context.Context, existing map[string]bool) error {
	gens := map[int]bool{}
	for n := range existing {
		if n == sh.base {
			gens[0] = true
		} else if g, ok := strings.CutPrefix(n, sh.base+"_g"); ok {
			if i, err := strconv.Atoi(g); err == nil && i > 0 {
				gens[i] = true
			}
		}
	}
	current := 0
	for g := range gens {
		if g <= current {
			continue
		}
		name, _ := sh.names(g)
		st, err := sh.js.Stream(ctx, name)
		if err != nil {
			return err
		}
		if st.CachedInfo().Config.Metadata[completeKey] == "true" {
			current = g
		}
	}
	for g := range gens {
		if g != current {
			name, _ := sh.names(g)
			if err := sh.js.DeleteStream(ctx, name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
				return err
			}
		}
	}
	st, err := placed(ctx, sh.store, "table "+sh.base, func(ctx context.Context) (jetstream.Stream, error) {
		return sh.js.CreateOrUpdateStream(ctx, sh.config(current, true))
	})
	if err != nil {
		return err
	}
	sh.gen, sh.st = current, st
	_, sh.prefix = sh.names(current)
	return nil
}

func (t *table) shardOf(key string) *shard {
	h := fnv.New32a()
	h.Write([]byte(key))
	return t.shards[h.Sum32()%uint32(len(t.shards))]
}

func (t *table) Write(rows ...store.Row) store.Pending {
	p := &pending{writes: make([]write, 0, len(rows))}
	for _, r := range rows {
		if len(r.Value) > 0 {
			if err := t.shards[0].space.room(); err != nil {
				p.err, p.refused = err, true
				return p
			}
			break
		}
	}
	for _, r := range rows {
		sh := t.shardOf(r.Key)
		var opts []jetstream.PublishOpt
		if r.TTL > 0 && len(r.Value) > 0 {
			opts = append(opts, jetstream.WithMsgTTL(max(r.TTL, time.Second)))
		}
		sh.mu.RLock()
		f, err := sh.js.PublishMsgAsync(&nats.Msg{Subject: sh.prefix + "." + r.Key, Data: r.Value}, opts...)
		sh.mu.RUnlock()
		if err != nil {
			p.err = fmt.Errorf("write %s: %w", r.Key, unavailable(err))
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
	writes  []write
	err     error
	refused bool
}

func (p *pending) Refused() error {
	if p.refused {
		return p.err
	}
	return nil
}

func (p *pending) Wait(ctx context.Context) error {
	for _, w := range p.writes {
		select {
		case <-w.f.Ok():
			if w.marker {
				w.sh.addMarkers(1)
			}
		case err := <-w.f.Err():
			return fmt.Errorf("write %s: %w", w.f.Msg().Subject, unavailable(err))
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return p.err
}

func (sh *shard) addMarkers(n int) {
	sh.mmu.Lock()
	sh.markers += n
	due := sh.markers >= sh.compactAt
	sh.mmu.Unlock()
	if due {
		select {
		case sh.wake <- struct{}{}:
		default:
		}
	}
}

// Purge removes the rows under prefix. JetStream may lose the record of a
// purge in a crash, so a purged row can come back; callers purge what
// nothing refers to any more (a deleted queue's rows) and purge again
// what they find.
func (t *table) Purge(ctx context.Context, prefix string) error {
	for _, sh := range t.shards {
		sh.mu.RLock()
		err := sh.st.Purge(ctx, jetstream.WithPurgeSubject(filter(sh.prefix, prefix)))
		sh.mu.RUnlock()
		if err != nil {
			return fmt.Errorf("purge %s: %w", prefix, err)
		}
	}
	return nil
}
