package natsstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/nubo-dev/nubo/internal/store"
)

// StreamOptions configures a stream.
type StreamOptions struct {
	// MaxAge drops messages older than this (0 keeps them).
	MaxAge time.Duration
	// MaxBytes bounds the stream's size on disk, dropping the oldest
	// messages first (0: no bound).
	MaxBytes int64
	// AllowRollup lets Replace drop a subject's earlier messages.
	AllowRollup bool
}

// Stream opens (creating or updating if needed) the stream name, which holds
// the subjects "<prefix>.>".
func (s *Store) Stream(ctx context.Context, name, prefix string, opts StreamOptions) (store.Stream, error) {
	cfg := jetstream.StreamConfig{
		Name:     name,
		Subjects: []string{prefix + ".>"},
		Storage:  jetstream.FileStorage,
		Replicas: s.replicas,
		MaxAge:   opts.MaxAge,
		MaxBytes: opts.MaxBytes,
		Discard:  jetstream.DiscardOld,

		AllowRollup: opts.AllowRollup,
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = -1
	}
	st, err := placed(ctx, s, "stream "+name, func(ctx context.Context) (jetstream.Stream, error) { return s.js.CreateOrUpdateStream(ctx, cfg) })
	if err != nil {
		return nil, fmt.Errorf("open stream %s: %w", name, err)
	}
	return &stream{js: s.js, st: st, name: name, log: s.log, space: s.space, s: s}, nil
}

type stream struct {
	s     *Store
	js    jetstream.JetStream
	st    jetstream.Stream
	name  string
	log   *slog.Logger
	space *space

	mu      sync.Mutex
	futures []jetstream.PubAckFuture // appended and not yet known stored
	failed  error                    // the first failure since the last Flush
}

// Store appends data on subject and waits until it is stored.
func (s *stream) Store(ctx context.Context, subject string, data []byte) error {
	if err := s.space.room(); err != nil {
		return fmt.Errorf("append to %s: %w", subject, err)
	}
	if _, err := again(ctx, s.s, false, func() (*jetstream.PubAck, error) { return s.js.Publish(ctx, subject, data) }); err != nil {
		return fmt.Errorf("append to %s: %w", subject, unavailable(err))
	}
	return nil
}

func (s *stream) Append(subject string, data []byte) error {
	return s.publish(nats.NewMsg(subject), data)
}

func (s *stream) Replace(subject string, data []byte) error {
	msg := nats.NewMsg(subject)
	msg.Header.Set(jetstream.MsgRollup, jetstream.MsgRollupSubject)
	return s.publish(msg, data)
}

func (s *stream) publish(msg *nats.Msg, data []byte) error {
	if err := s.space.room(); err != nil {
		return fmt.Errorf("append to %s: %w", msg.Subject, err)
	}
	msg.Data = data
	f, err := s.js.PublishMsgAsync(msg)
	if err != nil {
		return fmt.Errorf("append to %s: %w", msg.Subject, unavailable(err))
	}
	s.mu.Lock()
	s.futures = append(s.futures, f)
	if len(s.futures) >= 1024 {
		s.settledLocked()
	}
	s.mu.Unlock()
	return nil
}

// settledLocked drops the futures already answered, keeping the first
// failure for Flush, so that appends nobody flushes do not pile up.
func (s *stream) settledLocked() {
	kept := s.futures[:0]
	for _, f := range s.futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			if s.failed == nil {
				s.failed = fmt.Errorf("append to %s: %w", f.Msg().Subject, unavailable(err))
			}
		default:
			kept = append(kept, f)
		}
	}
	clear(s.futures[len(kept):])
	s.futures = kept
}

func (s *stream) Purge(ctx context.Context, filter string, keepFrom time.Time) error {
	opts := []jetstream.StreamPurgeOpt{jetstream.WithPurgeSubject(filter)}
	if !keepFrom.IsZero() {
		seq, err := s.firstSince(ctx, filter, keepFrom)
		if err != nil {
			return err
		}
		opts = append(opts, jetstream.WithPurgeSequence(seq))
	}
	if err := s.st.Purge(ctx, opts...); err != nil {
		return fmt.Errorf("purge %s: %w", filter, unavailable(err))
	}
	s.space.refresh()
	return nil
}

// firstSince is the sequence of the first message on filter stored at or
// after t, or the stream's next sequence when there is none; 0 when that
// message is the first on filter, so that nothing precedes it.
func (s *stream) firstSince(ctx context.Context, filter string, t time.Time) (uint64, error) {
	cons, err := s.js.OrderedConsumer(ctx, s.name, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{filter}, DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &t,
	})
	if err != nil {
		return 0, fmt.Errorf("find %s since %s: %w", filter, t, err)
	}
	if cons.CachedInfo().NumPending > 0 {
		msg, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			return 0, fmt.Errorf("find %s since %s: %w", filter, t, err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return 0, err
		}
		return meta.Sequence.Stream, nil
	}
	info, err := s.st.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("find %s since %s: %w", filter, t, err)
	}
	return info.State.LastSeq + 1, nil
}

// Flush waits for everything appended so far and returns the first
// failure among it.
func (s *stream) Flush(ctx context.Context) error {
	s.mu.Lock()
	futures, first := s.futures, s.failed
	s.futures, s.failed = nil, nil
	s.mu.Unlock()
	for i, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			if first == nil {
				first = fmt.Errorf("append to %s: %w", f.Msg().Subject, unavailable(err))
			}
		case <-ctx.Done():
			s.mu.Lock()
			s.futures = append(futures[i:], s.futures...)
			s.mu.Unlock()
			return ctx.Err()
		}
	}
	return first
}

func (s *stream) Read(ctx context.Context, filter string, since time.Time, follow bool, fn func(store.Message) bool) error {
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}, DeliverPolicy: jetstream.DeliverAllPolicy}
	if !since.IsZero() {
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &since
	}
	if follow {
		cons, err := again(ctx, s.s, true, func() (jetstream.Consumer, error) { return s.js.OrderedConsumer(ctx, s.name, cfg) })
		if err != nil {
			return fmt.Errorf("read %s: %w", filter, err)
		}
		return s.follow(ctx, cons, fn)
	}
	// In a cluster a read can lose its consumer (its server restarts,
	// JetStream elects): it goes on after the last message it delivered.
	deadline := time.Now().Add(10 * time.Second)
	for {
		last, err := s.readOnce(ctx, cfg, fn)
		if err == nil {
			return nil
		}
		if s.s.replicas <= 1 || !retryable(ctx, err, true) || time.Now().After(deadline) {
			return fmt.Errorf("read %s: %w", filter, err)
		}
		if last > 0 {
			cfg.DeliverPolicy, cfg.OptStartSeq, cfg.OptStartTime = jetstream.DeliverByStartSequencePolicy, last+1, nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// readOnce reads with one ordered consumer what it has pending, and
// returns the sequence of the last message it delivered to fn.
func (s *stream) readOnce(ctx context.Context, cfg jetstream.OrderedConsumerConfig, fn func(store.Message) bool) (last uint64, err error) {
	cons, err := again(ctx, s.s, true, func() (jetstream.Consumer, error) { return s.js.OrderedConsumer(ctx, s.name, cfg) })
	if err != nil {
		return 0, err
	}
	defer deleteOrdered(ctx, s.js, s.name, cons)
	remaining := cons.CachedInfo().NumPending
	for remaining > 0 {
		batch, err := cons.Fetch(int(min(remaining, 1000)), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return last, err
		}
		n := 0
		for msg := range batch.Messages() {
			n++
			remaining--
			m := message(msg)
			last = m.Sequence
			if !fn(m) {
				return last, nil
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			return last, err
		}
		if n == 0 {
			return last, nil // the messages counted were dropped meanwhile
		}
	}
	return last, nil
}

func (s *stream) follow(ctx context.Context, cons jetstream.Consumer, fn func(store.Message) bool) error {
	it, err := cons.Messages(followPulls...)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	defer it.Stop()
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			return err
		}
		if !fn(message(msg)) {
			return nil
		}
	}
}

// followPulls are the pulls of reads that follow a stream: a heartbeat
// every half second, so that a consumer lost with its node is replaced
// within a second or two.
var followPulls = []jetstream.PullMessagesOpt{jetstream.PullExpiry(2 * time.Second), jetstream.PullHeartbeat(500 * time.Millisecond)}

func message(msg jetstream.Msg) store.Message {
	m := store.Message{Subject: msg.Subject(), Data: msg.Data()}
	if meta, err := msg.Metadata(); err == nil {
		m.Sequence, m.Time = meta.Sequence.Stream, meta.Timestamp
	}
	return m
}

func (s *stream) Subjects(ctx context.Context, filter string) (map[string]uint64, error) {
	info, err := again(ctx, s.s, true, func() (*jetstream.StreamInfo, error) { return s.st.Info(ctx, jetstream.WithSubjectFilter(filter)) })
	if err != nil {
		return nil, fmt.Errorf("list subjects %s: %w", filter, err)
	}
	return info.State.Subjects, nil
}
