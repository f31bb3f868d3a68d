package sqs

import (
	"container/list"
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// message is a queued message and its delivery state.
type message struct {
	id        string
	body      string
	attrs     map[string]MessageAttribute
	system    map[string]MessageAttribute // AWSTraceHeader
	md5Body   string
	md5Attrs  string
	md5System string
	sent      time.Time
	seq       uint64
	groupID   string
	dedupID   string
	sourceARN string // DeadLetterQueueSourceArn
	senderID  string

	receives     int
	firstReceive time.Time
	visibleAt    time.Time
	inflight     bool
	receipt      string // the nonce of the latest receive

	heapIndex int
	elem      *list.Element
	group     *group
	key       string // of its row, once made
}

// messageKey is the row of a message; dedupKey the row remembering a FIFO
// deduplication id for five minutes.
func messageKey(queueID, id string) string { return store.Key(queueID, "m", id) }
func dedupKey(queueID, id string) string   { return store.Key(queueID, "d", id) }

// keyIn is the key of m's row in queue queueID, made once: a message
// lives in one queue (a moved one is another message).
func (m *message) keyIn(queueID string) string {
	if m.key == "" {
		m.key = messageKey(queueID, m.id)
	}
	return m.key
}

func (m *message) row(queueID string) store.Row {
	return store.Row{Key: m.keyIn(queueID), Value: appendRecord(make([]byte, 0, m.recordSize()), m)}
}

// tombstone deletes m's row.
func (m *message) tombstone(queueID string) store.Row {
	return store.Row{Key: m.keyIn(queueID)}
}

// restore loads every queue's messages and deduplication ids from the
// table, and removes the rows of queues that no longer exist.
func (s *Service) restore(ctx context.Context) error {
	byID := map[string]*queue{}
	for _, q := range s.queues {
		byID[q.id] = q
	}
	loaded := map[*queue][]*message{}
	orphans := map[string]bool{}
	now := time.Now()
	err := s.table.Scan(ctx, "", func(row store.Row) bool {
		parts := store.SplitKey(row.Key)
		if len(parts) != 3 {
			return true
		}
		q := byID[parts[0]]
		if q == nil {
			orphans[parts[0]] = true
			return true
		}
		switch parts[1] {
		case "m":
			m, err := decodeRecord(row.Value)
			if err != nil {
				s.log.Warn("sqs: skip unreadable message row", "key", row.Key)
				return true
			}
			loaded[q] = append(loaded[q], m)
		case "d":
			if d, err := decodeDedup(row.Value); err == nil && d.expires.After(now) {
				q.dedup[parts[2]] = d
				q.lastSeq = max(q.lastSeq, d.seq)
			}
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("restore sqs messages: %w", err)
	}
	n := 0
	for q, msgs := range loaded {
		sort.Slice(msgs, func(i, j int) bool { return msgs[i].seq < msgs[j].seq })
		q.mu.Lock()
		for _, m := range msgs {
			q.addLocked(m, now)
			q.lastSeq = max(q.lastSeq, m.seq)
		}
		q.mu.Unlock()
		n += len(msgs)
	}
	for id := range orphans {
		if err := s.table.Purge(ctx, id); err != nil {
			return err
		}
	}
	s.log.Info("sqs: restored", "queues", len(s.queues), "messages", n)
	return nil
}
