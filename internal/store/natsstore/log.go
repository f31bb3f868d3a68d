package natsstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/nubo-dev/nubo/internal/store"
)

// Log opens (creating if needed) the stream name as a store.Log: one
// subject, entries numbered by the stream's sequence, appends checked
// against the expected last sequence.
func (s *Store) Log(ctx context.Context, name, subject string) (store.Log, error) {
	st, err := placed(ctx, s, "log "+name, func(ctx context.Context) (jetstream.Stream, error) {
		return s.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{subject},
			Storage: jetstream.FileStorage, Replicas: s.replicas, MaxBytes: -1})
	})
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", name, err)
	}
	return &log{js: s.js, st: st, name: name, subject: subject, space: s.space, s: s}, nil
}

type log struct {
	s       *Store
	js      jetstream.JetStream
	st      jetstream.Stream
	name    string
	subject string
	space   *space
}

func (l *log) Append(ctx context.Context, data []byte, after uint64) (uint64, error) {
	if err := l.space.room(); err != nil {
		return 0, fmt.Errorf("append to %s: %w", l.name, err)
	}
	ack, err := again(ctx, l.s, false, func() (*jetstream.PubAck, error) {
		return l.js.Publish(ctx, l.subject, data, jetstream.WithExpectLastSequence(after))
	})
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
		return 0, store.ErrRevision
	}
	if err != nil {
		return 0, fmt.Errorf("append to %s: %w", l.name, unavailable(err))
	}
	return ack.Sequence, nil
}

func (l *log) Read(ctx context.Context, from uint64, fn func(seq uint64, data []byte) error) error {
	cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy}
	if from > 1 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, from
	}
	cons, err := again(ctx, l.s, true, func() (jetstream.Consumer, error) { return l.js.OrderedConsumer(ctx, l.name, cfg) })
	if err != nil {
		return fmt.Errorf("read %s: %w", l.name, unavailable(err))
	}
	it, err := cons.Messages(followPulls...)
	if err != nil {
		return fmt.Errorf("read %s: %w", l.name, err)
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	defer it.Stop()
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return ctx.Err()
			}
			return fmt.Errorf("read %s: %w", l.name, err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("read %s: %w", l.name, err)
		}
		if err := fn(meta.Sequence.Stream, msg.Data()); err != nil {
			return err
		}
	}
}

func (l *log) Bounds(ctx context.Context) (first, last uint64, err error) {
	info, err := again(ctx, l.s, true, func() (*jetstream.StreamInfo, error) { return l.st.Info(ctx) })
	if err != nil {
		return 0, 0, fmt.Errorf("bounds of %s: %w", l.name, unavailable(err))
	}
	if info.State.Msgs == 0 {
		return info.State.LastSeq + 1, info.State.LastSeq, nil
	}
	return info.State.FirstSeq, info.State.LastSeq, nil
}

func (l *log) Truncate(ctx context.Context, keep uint64) error {
	if err := l.st.Purge(ctx, jetstream.WithPurgeSequence(keep)); err != nil {
		return fmt.Errorf("truncate %s: %w", l.name, unavailable(err))
	}
	l.space.refresh()
	return nil
}
