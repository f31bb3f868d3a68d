package logs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// futureSlack is how far ahead of its storing an event's timestamp may be
// (PutLogEvents accepts events up to two hours in the future), and so how
// much earlier than a query's start a read must begin.
const futureSlack = 2 * time.Hour

const day = 24 * time.Hour

// flushWait bounds how long a scan waits for appends in flight.
const flushWait = 2 * time.Second

// Position is an event's place in its group: the stored message (batch)
// that holds it and its index there. Positions only grow.
type Position struct {
	Seq   uint64
	Index int
}

// Less orders positions.
func (p Position) Less(q Position) bool {
	return p.Seq < q.Seq || p.Seq == q.Seq && p.Index < q.Index
}

// String is the position as "seq.index"; ParsePosition reverses it.
func (p Position) String() string {
	return strconv.FormatUint(p.Seq, 10) + "." + strconv.Itoa(p.Index)
}

// ParsePosition reads a Position written by String.
func ParsePosition(s string) (Position, error) {
	seq, idx, ok := strings.Cut(s, ".")
	if !ok {
		return Position{}, fmt.Errorf("bad position %q", s)
	}
	var p Position
	var err error
	if p.Seq, err = strconv.ParseUint(seq, 10, 64); err != nil {
		return Position{}, fmt.Errorf("bad position %q", s)
	}
	if p.Index, err = strconv.Atoi(idx); err != nil || p.Index < -1 {
		return Position{}, fmt.Errorf("bad position %q", s)
	}
	return p, nil
}

// StoredEvent is a log event as stored.
type StoredEvent struct {
	Stream    string
	Timestamp int64 // Unix milliseconds, as given
	Ingestion int64 // Unix milliseconds, when it was stored
	Message   string
	Pos       Position
}

// ID is the event's id: its position, as digits only.
func (e StoredEvent) ID() string {
	return fmt.Sprintf("%020d%06d", e.Pos.Seq, e.Pos.Index)
}

// Query selects events of a group.
type Query struct {
	Group string
	// Streams, when set, are the only streams read; Prefix, when set,
	// selects streams by the start of their names.
	Streams []string
	Prefix  string
	// Start and End bound the events' timestamps (Unix ms): Start <= t <
	// End; zero means no bound.
	Start, End int64
	// After skips the events at or before this position.
	After Position
}

// Scan calls fn with the events q selects, in the order they were stored,
// until fn returns false. It sees every event appended before it was
// called, and none that retention has expired.
func (s *Store) Scan(ctx context.Context, q Query, fn func(StoredEvent) bool) error {
	// Store what is pending, and wait a little for appends in flight, to
	// read one's own writes; under a steady stream of appends the store may
	// never be idle, so not long.
	s.storePending()
	fctx, cancel := context.WithTimeout(ctx, flushWait)
	err := s.stream.Flush(fctx)
	cancel()
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("scan %s: %w", q.Group, ctx.Err())
	}
	info, err := s.Group(q.Group)
	if err != nil {
		return err
	}
	filter := store.Key(Prefix, q.Group) + ".>"
	if len(q.Streams) == 1 {
		filter = Subject(q.Group, q.Streams[0])
	}
	start := q.Start
	if info.RetentionDays > 0 {
		start = max(start, millis(s.opts.Now().Add(-time.Duration(info.RetentionDays)*day)))
	}
	var since time.Time
	if start > 0 {
		since = time.UnixMilli(start).Add(-futureSlack)
	}
	wanted := map[string]bool{}
	for _, name := range q.Streams {
		wanted[name] = true
	}
	err = s.stream.Read(ctx, filter, since, false, func(m store.Message) bool {
		tokens := store.SplitKey(m.Subject)
		name := tokens[2]
		if len(wanted) > 0 && !wanted[name] || !strings.HasPrefix(name, q.Prefix) || m.Sequence < q.After.Seq {
			return true
		}
		batch, err := decodeBatch(m.Data)
		if err != nil {
			s.log.Warn("skip unreadable log batch", "subject", m.Subject, "err", err)
			return true
		}
		for i, e := range batch {
			pos := Position{m.Sequence, i}
			if !q.After.Less(pos) || e.T < start || q.End > 0 && e.T >= q.End {
				continue
			}
			if !fn(StoredEvent{Stream: name, Timestamp: e.T, Ingestion: millis(m.Time), Message: e.M, Pos: pos}) {
				return false
			}
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("scan %s: %w", q.Group, err)
	}
	return nil
}

func decodeBatch(data []byte) ([]event, error) {
	var batch []event
	err := json.Unmarshal(data, &batch)
	return batch, err
}

// measure reads the events stored on filter and describes the streams
// they belong to, by group and stream name.
func (s *Store) measure(ctx context.Context, filter string) (map[[2]string]*StreamInfo, error) {
	out := map[[2]string]*StreamInfo{}
	err := s.stream.Read(ctx, filter, time.Time{}, false, func(m store.Message) bool {
		batch, err := decodeBatch(m.Data)
		if err != nil || len(batch) == 0 {
			return true
		}
		tokens := store.SplitKey(m.Subject)
		k := [2]string{tokens[1], tokens[2]}
		st := out[k]
		if st == nil {
			st = &StreamInfo{Group: k[0], Name: k[1], Created: millis(m.Time), FirstEvent: batch[0].T}
			out[k] = st
		}
		for _, e := range batch {
			st.FirstEvent = min(st.FirstEvent, e.T)
			st.LastEvent = max(st.LastEvent, e.T)
			st.StoredBytes += eventBytes(e.M)
		}
		st.LastIngestion = max(st.LastIngestion, millis(m.Time))
		return true
	})
	return out, err
}

// recover adds the streams whose events were stored but whose metadata a
// crash kept from being persisted.
func (s *Store) recover(ctx context.Context) error {
	subjects, err := s.stream.Subjects(ctx, Prefix+".>")
	if err != nil {
		return fmt.Errorf("recover log metadata: %w", err)
	}
	for subject := range subjects {
		tokens := store.SplitKey(subject)
		if len(tokens) != 3 {
			continue
		}
		s.mu.Lock()
		g := s.groups[tokens[1]]
		known := g != nil && g.streams[tokens[2]] != nil
		s.mu.Unlock()
		if known {
			continue
		}
		if err := s.purgeDeleted(ctx, tokens[1], tokens[2]); err != nil {
			return err
		}
		found, err := s.measure(ctx, subject)
		if err != nil {
			return fmt.Errorf("recover log metadata of %s: %w", subject, err)
		}
		s.mu.Lock()
		for k, st := range found {
			g := s.groupLocked(k[0], true)
			g.info.Created = min(g.info.Created, st.Created)
			g.streams[k[1]] = st
			s.markLocked(groupKey(k[0]))
			s.markLocked(streamKey(k[0], k[1]))
		}
		s.mu.Unlock()
	}
	return nil
}

// purgeDeleted purges a stream's events stored before its group or the
// stream itself was deleted: JetStream can lose a purge in a crash, and
// such events must not bring a deleted group back.
func (s *Store) purgeDeleted(ctx context.Context, group, stream string) error {
	var at time.Time
	for _, key := range []string{groupKey(group), streamKey(group, stream)} {
		t, err := s.meta.Deleted(ctx, key)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("recover log metadata of %s: %w", key, err)
		}
		if t.After(at) {
			at = t
		}
	}
	if at.IsZero() {
		return nil
	}
	if err := s.stream.Purge(ctx, Subject(group, stream), at.Add(time.Millisecond)); err != nil {
		return fmt.Errorf("recover log metadata of %s/%s: %w", group, stream, err)
	}
	return nil
}
