package natsstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

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
