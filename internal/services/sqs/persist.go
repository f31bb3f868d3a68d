package sqs

import (
	"container/list"
	"context"
	"encoding/json"
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
}

// record is a message as its table row holds it.
type record struct {
	ID           string                      `json:"id"`
	Body         string                      `json:"b"`
	Attrs        map[string]MessageAttribute `json:"a,omitempty"`
	System       map[string]MessageAttribute `json:"s,omitempty"`
	Sent         int64                       `json:"t"`
	Seq          uint64                      `json:"q"`
	Group        string                      `json:"g,omitempty"`
	Dedup        string                      `json:"d,omitempty"`
	Source       string                      `json:"src,omitempty"`
	Sender       string                      `json:"snd,omitempty"`
	Receives     int                         `json:"r,omitempty"`
	FirstReceive int64                       `json:"fr,omitempty"`
	VisibleAt    int64                       `json:"v,omitempty"`
	InFlight     bool                        `json:"f,omitempty"`
	Receipt      string                      `json:"rh,omitempty"`
}

func msOf(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func timeOf(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// messageKey is the row of a message; dedupKey the row remembering a FIFO
// deduplication id for five minutes.
func messageKey(queueID, id string) string { return store.Key(queueID, "m", id) }
func dedupKey(queueID, id string) string   { return store.Key(queueID, "d", id) }

func (m *message) row(queueID string) store.Row {
	b, _ := json.Marshal(record{
		ID: m.id, Body: m.body, Attrs: m.attrs, System: m.system, Sent: msOf(m.sent), Seq: m.seq,
		Group: m.groupID, Dedup: m.dedupID, Source: m.sourceARN, Sender: m.senderID,
		Receives: m.receives, FirstReceive: msOf(m.firstReceive), VisibleAt: msOf(m.visibleAt),
		InFlight: m.inflight, Receipt: m.receipt,
	})
	return store.Row{Key: messageKey(queueID, m.id), Value: b}
}

func tombstone(queueID, id string) store.Row {
	return store.Row{Key: messageKey(queueID, id)}
}

func fromRecord(r *record) *message {
	m := &message{
		id: r.ID, body: r.Body, attrs: r.Attrs, system: r.System, sent: timeOf(r.Sent), seq: r.Seq,
		groupID: r.Group, dedupID: r.Dedup, sourceARN: r.Source, senderID: r.Sender,
		receives: r.Receives, firstReceive: timeOf(r.FirstReceive), visibleAt: timeOf(r.VisibleAt),
		inflight: r.InFlight, receipt: r.Receipt, heapIndex: -1,
	}
	m.md5Body, m.md5Attrs, m.md5System = MD5OfBody(m.body), MD5OfAttributes(m.attrs), MD5OfAttributes(m.system)
	return m
}

type dedupRecord struct {
	ID  string `json:"id"`
	Seq uint64 `json:"q"`
	Exp int64  `json:"e"`
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
			var r record
			if json.Unmarshal(row.Value, &r) != nil {
				s.log.Warn("sqs: skip unreadable message row", "key", row.Key)
				return true
			}
			loaded[q] = append(loaded[q], fromRecord(&r))
		case "d":
			var d dedupRecord
			if json.Unmarshal(row.Value, &d) == nil && timeOf(d.Exp).After(now) {
				q.dedup[parts[2]] = dedupEntry{id: d.ID, seq: d.Seq, expires: timeOf(d.Exp)}
				q.lastSeq = max(q.lastSeq, d.Seq)
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
