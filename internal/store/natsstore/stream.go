package natsstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
		MaxAge:   opts.MaxAge,
		MaxBytes: opts.MaxBytes,
		Discard:  jetstream.DiscardOld,

		AllowRollup: opts.AllowRollup,
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = -1
	}
	st, err := s.js.CreateOrUpdateStream(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open stream %s: %w", name, err)
	}
	return &stream{js: s.js, st: st, name: name, log: s.log}, nil
}

type stream struct {
	js   jetstream.JetStream
	st   jetstream.Stream
	name string
	log  *slog.Logger
}

func (s *stream) Append(subject string, data []byte) error {
	_, err := s.js.PublishAsync(subject, data)
	if err != nil {
		return fmt.Errorf("append to %s: %w", subject, err)
	}
	return nil
}

func (s *stream) Replace(subject string, data []byte) error {
	msg := nats.NewMsg(subject)
	msg.Data = data
	msg.Header.Set(jetstream.MsgRollup, jetstream.MsgRollupSubject)
	if _, err := s.js.PublishMsgAsync(msg); err != nil {
		return fmt.Errorf("replace %s: %w", subject, err)
	}
	return nil
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
		return fmt.Errorf("purge %s: %w", filter, err)
	}
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

func (s *stream) Flush(ctx context.Context) error {
	select {
	case <-s.js.PublishAsyncComplete():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *stream) Read(ctx context.Context, filter string, since time.Time, follow bool, fn func(store.Message) bool) error {
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}, DeliverPolicy: jetstream.DeliverAllPolicy}
	if !since.IsZero() {
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &since
	}
	cons, err := s.js.OrderedConsumer(ctx, s.name, cfg)
	if err != nil {
		return fmt.Errorf("read %s: %w", filter, err)
	}
	if follow {
		return s.follow(ctx, cons, fn)
	}
	remaining := cons.CachedInfo().NumPending
	for remaining > 0 {
		batch, err := cons.Fetch(int(min(remaining, 1000)), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return fmt.Errorf("read %s: %w", filter, err)
		}
		n := 0
		for msg := range batch.Messages() {
			n++
			remaining--
			if !fn(message(msg)) {
				return nil
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			return fmt.Errorf("read %s: %w", filter, err)
		}
		if n == 0 {
			return nil // the messages counted were dropped meanwhile
		}
	}
	return nil
}

func (s *stream) follow(ctx context.Context, cons jetstream.Consumer, fn func(store.Message) bool) error {
	it, err := cons.Messages()
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

func message(msg jetstream.Msg) store.Message {
	m := store.Message{Subject: msg.Subject(), Data: msg.Data()}
	if meta, err := msg.Metadata(); err == nil {
		m.Sequence, m.Time = meta.Sequence.Stream, meta.Timestamp
	}
	return m
}

func (s *stream) Subjects(ctx context.Context, filter string) (map[string]uint64, error) {
	info, err := s.st.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return nil, fmt.Errorf("list subjects %s: %w", filter, err)
	}
	return info.State.Subjects, nil
}
