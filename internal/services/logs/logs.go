// Package logs keeps the log events of log groups and streams durably, on a
// store.Stream: each stored message is a batch of events of one log stream,
// on the subject logs.<group>.<stream>. It also owns the groups' and
// streams' metadata (creation, retention, first and last events, size),
// kept in memory and persisted to a store.KV, and enforces retention by
// purging expired events. The engine appends; `nubo logs` and the
// CloudWatch Logs API read.
package logs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store"
)

// Prefix is the first token of every log subject.
const Prefix = "logs"

// Options configures a Store.
type Options struct {
	// SyncEvery is how often changed metadata is persisted (default 1 s).
	SyncEvery time.Duration
	// RetentionEvery is how often expired events are purged (default 10
	// minutes).
	RetentionEvery time.Duration
	// MaxAge is how long the stream keeps events (30 days by default, as
	// the server opens it): streams with nothing newer are forgotten.
	MaxAge time.Duration
	// Now tells the time (default time.Now); tests move it.
	Now    func() time.Time
	Logger *slog.Logger
}

// Store reads and writes log events and the metadata of their groups and
// streams.
type Store struct {
	stream store.Stream
	meta   store.KV
	opts   Options
	log    *slog.Logger

	syncMu sync.Mutex // orders metadata writes with deletions
	mu     sync.Mutex
	groups map[string]*group
	dirty  map[string]struct{} // metadata keys to persist
	batch  pending
	// policies are the resource policies by name; combined is their
	// statements parsed as one, until one changes.
	policies map[string]ResourcePolicy
	combined *policy.Document
}

// Open returns a Store on stream (which must hold the subjects "logs.>")
// and meta, loading the metadata and adding what a crash kept from being
// persisted. Run must be running for metadata to be persisted and
// retention enforced.
func Open(ctx context.Context, stream store.Stream, meta store.KV, opts Options) (*Store, error) {
	if opts.SyncEvery == 0 {
		opts.SyncEvery = time.Second
	}
	if opts.RetentionEvery == 0 {
		opts.RetentionEvery = 10 * time.Minute
	}
	if opts.MaxAge == 0 {
		opts.MaxAge = 30 * day
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Store{stream: stream, meta: meta, opts: opts, log: opts.Logger,
		groups: map[string]*group{}, policies: map[string]ResourcePolicy{}, dirty: map[string]struct{}{}, batch: pending{events: map[string][]event{}}}
	s.batch.writer = store.NewWriteBehind(storeEvery, func() { s.storePending() })
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	if err := s.recover(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Run persists metadata and enforces retention until ctx ends. Flush
// persists what is left.
func (s *Store) Run(ctx context.Context) error {
	syncs := time.NewTicker(s.opts.SyncEvery)
	defer syncs.Stop()
	retention := time.NewTicker(s.opts.RetentionEvery)
	defer retention.Stop()
	if err := s.Enforce(ctx); err != nil {
		s.log.Warn("enforce log retention", "err", err)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-syncs.C:
			if err := s.sync(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("persist log metadata", "err", err)
			}
		case <-retention.C:
			if err := s.Enforce(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("enforce log retention", "err", err)
			}
		}
	}
}

// event is the stored form of one log event.
type event struct {
	T int64  `json:"t"`
	M string `json:"m"`
}

// Subject is where the events of one log stream are stored.
func Subject(group, stream string) string {
	return store.Key(Prefix, group, stream)
}

// Append adds a batch of events of one log stream, creating the group and
// the stream if need be, as Lambda does. The events are stored within
// storeEvery, with the stream's others of that time; every read stores
// them first. It does not wait for the store; a failure is logged.
func (s *Store) Append(group, stream string, events []lambda.LogEvent) {
	if len(events) == 0 {
		return
	}
	batch, first, last, bytes := toStored(events)
	s.mu.Lock()
	s.noteLocked(group, stream, first, last, bytes, s.nowMs())
	full := s.addPendingLocked(Subject(group, stream), batch, bytes)
	s.mu.Unlock()
	if full {
		s.storePending()
	}
}

// toStored converts events to their stored form and measures them.
func toStored(events []lambda.LogEvent) (batch []event, first, last, bytes int64) {
	batch = make([]event, len(events))
	first, last = events[0].Timestamp, events[0].Timestamp
	for i, e := range events {
		batch[i] = event{T: e.Timestamp, M: e.Message}
		first, last = min(first, e.Timestamp), max(last, e.Timestamp)
		bytes += eventBytes(e.Message)
	}
	return batch, first, last, bytes
}

// Put stores events on an existing stream and waits until they are stored.
func (s *Store) Put(ctx context.Context, group, stream string, events []lambda.LogEvent) error {
	s.mu.Lock()
	g := s.groups[group]
	var st *StreamInfo
	if g != nil {
		st = g.streams[stream]
	}
	s.mu.Unlock()
	switch {
	case g == nil:
		return ErrGroupNotFound
	case st == nil:
		return ErrStreamNotFound
	}
	if len(events) == 0 {
		return nil
	}
	batch, first, last, bytes := toStored(events)
	data, err := json.Marshal(batch)
	if err != nil {
		return fmt.Errorf("put log events: %w", err)
	}
	// Events appended earlier go first, then these, acknowledged one by
	// one: the stream's counters grow only by what was stored.
	s.storePending()
	if err := s.stream.Store(ctx, Subject(group, stream), data); err != nil {
		return fmt.Errorf("put log events: %w", err)
	}
	s.mu.Lock()
	s.noteLocked(group, stream, first, last, bytes, s.nowMs())
	s.mu.Unlock()
	return nil
}

// Flush waits until every appended batch is stored, and persists the
// metadata.
func (s *Store) Flush(ctx context.Context) error {
	if err := s.storePending(); err != nil {
		return err
	}
	if err := s.stream.Flush(ctx); err != nil {
		return err
	}
	return s.sync(ctx)
}

// Event is a log event with the stream it belongs to.
type Event struct {
	Group, Stream string
	lambda.LogEvent
}

// Read calls fn with the events of group from since on, in the order they
// were stored; with follow it waits for new ones until ctx ends.
func (s *Store) Read(ctx context.Context, group string, since time.Time, follow bool, fn func(Event) bool) error {
	s.storePending()
	filter := store.Key(Prefix, group) + ".>"
	cutoff := since.UnixMilli()
	return s.stream.Read(ctx, filter, since, follow, func(m store.Message) bool {
		var batch []event
		if err := json.Unmarshal(m.Data, &batch); err != nil {
			s.log.Warn("skip unreadable log batch", "subject", m.Subject, "err", err)
			return true
		}
		tokens := store.SplitKey(m.Subject)
		for _, e := range batch {
			if e.T < cutoff {
				continue
			}
			if !fn(Event{Group: tokens[1], Stream: tokens[2], LogEvent: lambda.LogEvent{Timestamp: e.T, Message: e.M}}) {
				return false
			}
		}
		return true
	})
}
