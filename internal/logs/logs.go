// Package logs keeps the log events of log groups and streams durably, on a
// store.Stream: each stored message is a batch of events of one log stream,
// on the subject logs.<group>.<stream>. The engine appends; `nubo logs` and
// the CloudWatch Logs API read.
package logs

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/nubo-dev/nubo/internal/lambda"
	"github.com/nubo-dev/nubo/internal/store"
)

// Prefix is the first token of every log subject.
const Prefix = "logs"

// Store reads and writes log events.
type Store struct {
	stream store.Stream
	log    *slog.Logger
}

// New returns a Store on stream (which must hold the subjects "logs.>").
func New(stream store.Stream, log *slog.Logger) *Store {
	return &Store{stream: stream, log: log}
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

// Append stores a batch of events of one log stream. It does not wait for
// the store; a failure is logged.
func (s *Store) Append(group, stream string, events []lambda.LogEvent) {
	batch := make([]event, len(events))
	for i, e := range events {
		batch[i] = event{T: e.Timestamp, M: e.Message}
	}
	data, err := json.Marshal(batch)
	if err == nil {
		err = s.stream.Append(Subject(group, stream), data)
	}
	if err != nil {
		s.log.Error("store log events", "group", group, "stream", stream, "err", err)
	}
}

// Flush waits until every appended batch is stored.
func (s *Store) Flush(ctx context.Context) error {
	return s.stream.Flush(ctx)
}

// Event is a log event with the stream it belongs to.
type Event struct {
	Group, Stream string
	lambda.LogEvent
}

// Read calls fn with the events of group from since on, in the order they
// were stored; with follow it waits for new ones until ctx ends.
func (s *Store) Read(ctx context.Context, group string, since time.Time, follow bool, fn func(Event) bool) error {
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
