package sqs

import (
	"bufio"
	"container/heap"
	"container/list"
	"crypto/rand"
	"encoding/hex"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"
)

// queue is one queue's settings and its in-memory index of messages. Every
// change is made under mu and written to the table before mu is released
// (the table keeps the order of writes), and waited for after.
type queue struct {
	id     string // unique per creation; the prefix of its table rows
	region string
	name   string
	arn    string
	fifo   bool

	mu       sync.Mutex
	attrs    map[string]string // as set, canonical
	cfg      config
	tags     map[string]string
	created  time.Time
	modified time.Time
	deleted  bool

	msgs    map[string]*message
	ready   *list.List  // standard: visible messages, oldest first
	pending pendingHeap // delayed and in-flight messages by visibleAt
	groups  map[string]*group
	avail   *list.List // FIFO: groups with a receivable head, in order
	dedup   map[string]dedupEntry
	lastSeq uint64
	// signal is closed (and replaced) when messages may have become
	// receivable, waking long polls.
	signal   chan struct{}
	inflight int
	delayed  int
	purging  time.Time
	// random serves message ids and receipt nonces, from crypto/rand a
	// buffer at a time.
	random *bufio.Reader
}

type dedupEntry struct {
	id      string
	seq     uint64
	expires time.Time
}

// group is a FIFO message group: its messages in order, and how many of
// them are in flight (which blocks the group).
type group struct {
	id       string
	msgs     []*message
	inflight int
	elem     *list.Element // in avail
}

func newQueue(id, region, name, arn string, fifo bool) *queue {
	return &queue{
		id: id, region: region, name: name, arn: arn, fifo: fifo,
		msgs: map[string]*message{}, ready: list.New(), groups: map[string]*group{},
		avail: list.New(), dedup: map[string]dedupEntry{}, signal: make(chan struct{}),
		tags: map[string]string{}, random: bufio.NewReaderSize(rand.Reader, 1024),
	}
}

// newIDLocked is a random (version 4) UUID for a message.
func (q *queue) newIDLocked() string {
	id, err := uuid.NewRandomFromReader(q.random)
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// nonceLocked is a receive's random nonce, the end of its receipt handle.
func (q *queue) nonceLocked() string {
	var b [8]byte
	io.ReadFull(q.random, b[:])
	return hex.EncodeToString(b[:])
}

// notifyLocked wakes long polls.
func (q *queue) notifyLocked() {
	close(q.signal)
	q.signal = make(chan struct{})
}

// nextSeqLocked returns a sequence number above every earlier one of the
// queue, across restarts too: it follows the clock.
func (q *queue) nextSeqLocked(now time.Time) uint64 {
	q.lastSeq = max(q.lastSeq+1, uint64(now.UnixNano()))
	return q.lastSeq
}

// addLocked indexes a message that is new to the queue (sent, moved in or
// restored).
func (q *queue) addLocked(m *message, now time.Time) {
	q.msgs[m.id] = m
	m.heapIndex = -1
	if q.fifo {
		g := q.groups[m.groupID]
		if g == nil {
			g = &group{id: m.groupID}
			q.groups[m.groupID] = g
		}
		m.group = g
		g.msgs = append(g.msgs, m)
	}
	if m.visibleAt.After(now) {
		if m.inflight {
			q.inflight++
			if m.group != nil {
				m.group.inflight++
			}
		} else {
			q.delayed++
		}
		heap.Push(&q.pending, m)
		return
	}
	m.inflight = false
	q.makeVisibleLocked(m)
}

// makeVisibleLocked makes a message receivable.
func (q *queue) makeVisibleLocked(m *message) {
	if q.fifo {
		q.refreshLocked(m.group)
		return
	}
	m.elem = q.ready.PushBack(m)
}

// refreshLocked puts a FIFO group in or out of the available list.
func (q *queue) refreshLocked(g *group) {
	ok := g.inflight == 0 && len(g.msgs) > 0 && g.msgs[0].heapIndex < 0
	switch {
	case ok && g.elem == nil:
		// Keep groups ordered by their head's sequence.
		head := g.msgs[0].seq
		for e := q.avail.Back(); e != nil; e = e.Prev() {
			if e.Value.(*group).msgs[0].seq < head {
				g.elem = q.avail.InsertAfter(g, e)
				return
			}
		}
		g.elem = q.avail.PushFront(g)
	case !ok && g.elem != nil:
		q.avail.Remove(g.elem)
		g.elem = nil
	}
}

// hideLocked takes a visible message out of reach until until: received
// (inflight) or, when restored, delayed.
func (q *queue) receiveLocked(m *message, until time.Time) {
	if m.elem != nil {
		q.ready.Remove(m.elem)
		m.elem = nil
	}
	m.inflight = true
	m.visibleAt = until
	q.inflight++
	heap.Push(&q.pending, m)
	if m.group != nil {
		m.group.inflight++
		q.refreshLocked(m.group)
	}
}

// removeLocked drops a message from the index.
func (q *queue) removeLocked(m *message) {
	delete(q.msgs, m.id)
	if m.elem != nil {
		q.ready.Remove(m.elem)
		m.elem = nil
	}
	if m.heapIndex >= 0 {
		heap.Remove(&q.pending, m.heapIndex)
		if m.inflight {
			q.inflight--
		} else {
			q.delayed--
		}
		if m.inflight && m.group != nil {
			m.group.inflight--
		}
	}
	if g := m.group; g != nil {
		for i, x := range g.msgs {
			if x == m {
				g.msgs = append(g.msgs[:i], g.msgs[i+1:]...)
				break
			}
		}
		q.refreshLocked(g)
		if len(g.msgs) == 0 {
			delete(q.groups, g.id)
		}
	}
}

// readdLocked puts back messages taken out of the index for a change that
// was not stored, FIFO groups in their order.
func (q *queue) readdLocked(msgs []*message, now time.Time) {
	groups := map[*group]bool{}
	for _, m := range msgs {
		if q.msgs[m.id] != nil {
			continue
		}
		m.elem, m.group = nil, nil
		q.addLocked(m, now)
		if m.group != nil {
			groups[m.group] = true
		}
	}
	for g := range groups {
		sort.Slice(g.msgs, func(i, j int) bool { return g.msgs[i].seq < g.msgs[j].seq })
		if g.elem != nil {
			q.avail.Remove(g.elem)
			g.elem = nil
		}
		q.refreshLocked(g)
	}
}

// releaseLocked makes every message whose time has come visible and
// reports whether there were any.
func (q *queue) releaseLocked(now time.Time) bool {
	released := false
	for len(q.pending) > 0 && !q.pending[0].visibleAt.After(now) {
		m := heap.Pop(&q.pending).(*message)
		if m.inflight {
			q.inflight--
			if m.group != nil {
				m.group.inflight--
			}
		} else {
			q.delayed--
		}
		m.inflight = false
		q.makeVisibleLocked(m)
		released = true
	}
	return released
}

// setVisibilityLocked changes when an in-flight message returns.
func (q *queue) setVisibilityLocked(m *message, at time.Time) {
	m.visibleAt = at
	heap.Fix(&q.pending, m.heapIndex)
}

// counts returns the Approximate* numbers.
func (q *queue) countsLocked() (visible, notVisible, delayed int) {
	return len(q.msgs) - q.inflight - q.delayed, q.inflight, q.delayed
}

// pendingHeap orders invisible messages by when they become visible.
type pendingHeap []*message

func (h pendingHeap) Len() int { return len(h) }
func (h pendingHeap) Less(i, j int) bool {
	return h[i].visibleAt.Before(h[j].visibleAt)
}
func (h pendingHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIndex = i
	h[j].heapIndex = j
}
func (h *pendingHeap) Push(x any) {
	m := x.(*message)
	m.heapIndex = len(*h)
	*h = append(*h, m)
}
func (h *pendingHeap) Pop() any {
	old := *h
	m := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	m.heapIndex = -1
	return m
}
