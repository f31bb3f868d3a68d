package natsstore

import (
	"context"
	"fmt"
	"hash/maphash"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/nubo-dev/nubo/internal/store"
)

const (
	// logGroupMax is the size at which a group stops taking rows and the
	// next one is started (a single larger row still goes, alone).
	logGroupMax = 1 << 20
	// logInflight is how many groups may be published and not yet
	// acknowledged: while they are, the next group gathers rows.
	logInflight = 2
	// logCompactAt is the size of the log below which it is never
	// rewritten.
	logCompactAt = 64 << 20
)

// logMsgMax bounds the groups of rows one message carries, below what
// NATS would take (raised for DynamoDB's requests between nodes).
const logMsgMax = 8 << 20

// LogTable opens (creating if needed) the table name kept as a log, for
// tables written far more than they are read: each JetStream message is a
// group of rows, and the rows of Writes made while earlier groups are
// being stored wait and go together in the next one (group commit), so
// that many small writes cost one JetStream write. Reading is a replay: Scan
// reads the whole log, whatever its prefix, so a LogTable suits rows that
// are read back when their owner starts (SQS's queues), not looked up one
// by one.
//
// The log lives in generations, a stream each (name_<gen>, subject
// prefix.<gen>), which are never trimmed: once the log is past
// logCompactAt and twice its size after the last rewrite, a new
// generation takes the appends, the rows still current in the older ones
// are copied into it (those written or purged since the switch are not),
// it is marked complete and the older ones are deleted whole. Open replays
// the newest complete generation and any later ones, so a crash during a
// rewrite loses nothing and revives no deleted row: JetStream never
// removes a message of a live generation. In a cluster, where every node
// appends, the switch is a claim and a seal instead (logcluster.go).
func (s *Store) LogTable(ctx context.Context, name, prefix string) (store.Table, error) {
	nc, err := s.connect()
	if err != nil {
		return nil, err
	}
	js, err := s.newJS(nc)
	if err != nil {
		return nil, fmt.Errorf("open table %s: %w", name, err)
	}
	t := &logTable{st: s, js: js, space: s.space, log: s.log, name: name, prefix: prefix, groupMax: logGroupMax, clock: time.Now,
		maxMsg: int(min(nc.MaxPayload(), logMsgMax)) - 1024, compactAt: s.logCompactAt, genBytes: map[int]int64{},
		index: map[uint64]rowSize{}, seed: maphash.MakeSeed(),
		wake: make(chan struct{}, 1), compactWake: make(chan struct{}, 1), slots: make(chan struct{}, logInflight),
		acks: make(chan inflight, logInflight)}
	if t.compactAt == 0 {
		t.compactAt = logCompactAt
	}
	t.lease = s.logLease
	if t.lease == 0 {
		t.lease = logLease
	}
	t.groupMax = min(t.groupMax, t.maxMsg)
	if err := t.openListed(ctx); err != nil {
		return nil, fmt.Errorf("open table %s: %w", name, err)
	}
	s.goRun(t.flush)
	s.goRun(t.acknowledge)
	s.goRun(t.compactor)
	return t, nil
}

// logTable is a Table kept as a log of groups of rows.
type logTable struct {
	st        *Store
	js        jetstream.JetStream
	space     *space
	log       *slog.Logger
	name      string
	prefix    string
	groupMax  int
	maxMsg    int
	compactAt int64
	clock     func() time.Time // TTLs' (tests set it)
	// lease is how long a rewrite in a cluster keeps others from starting
	// one (see compactCluster).
	lease time.Duration
	// step, when set (tests), is told of each step of a clustered
	// rewrite and may stop it there.
	step func(string) error

	// rw is held shared by scans and alone to delete old generations.
	rw sync.RWMutex
	// smu guards scanning, the Scans' replay under way, and nextScan,
	// the Scans waiting for the next (logscan.go).
	smu      sync.Mutex
	scanning *scanBatch
	nextScan *scanBatch
	mu       sync.Mutex
	// queue are the groups not yet published, oldest first; the last one
	// takes new rows.
	queue []*group
	// last is the newest group, published or not.
	last *group
	// gens are the live generations, oldest first; the last takes the
	// appends. genBytes is how much each holds, and base how much the log
	// held after its last rewrite (or when it was opened).
	gens     []int
	genBytes map[int]int64
	base     int64
	// index is the size of the current rows, by a hash of their keys, and
	// liveBytes their sum, so that a log that only grows (a queue filling
	// up) is not rewritten for nothing. It samples the rows whose hash is
	// a multiple of indexSample (the sum, times indexSample, estimates the
	// whole's), which keeps it cheap. It is rebuilt by each rewrite; until
	// the first, and after a purge it cannot follow (of a prefix of several
	// tokens), it is stale and the log is rewritten when it has doubled.
	index     map[uint64]rowSize
	liveBytes int64
	stale     bool
	seed      maphash.Seed
	// compacting is set while a rewrite runs; from its switch on, touched
	// are the keys written and purged the prefixes purged, whose rows in
	// the older generations are not copied.
	compacting bool
	touched    map[string]struct{}
	purged     []string
	// unchecked is how much this node appended since it last checked
	// whether a clustered log is due for a rewrite (it sees only its own
	// appends, so it asks JetStream).
	unchecked int64

	wake        chan struct{} // a group waits to be published
	compactWake chan struct{} // the log may want a rewrite
	slots       chan struct{} // one per group in flight
	acks        chan inflight // published groups, in order
}

// rowSize is what the index knows of a row: its encoded size and a hash
// of its key's first token (to forget the rows under a purged one).
type rowSize struct {
	size  int32
	token uint32
}

// indexSample is how sparsely the index samples the rows.
const indexSample = 16

func (t *logTable) hash(key string) uint64 { return maphash.String(t.seed, key) }

func sampled(h uint64) bool { return h%indexSample == 0 }

func (t *logTable) tokenHash(key string) uint32 {
	first, _, _ := strings.Cut(key, ".")
	return uint32(maphash.String(t.seed, first))
}

// indexLocked records a row set (size bytes) or, with size 0, deleted.
func (t *logTable) indexLocked(key string, size int) {
	h := t.hash(key)
	if !sampled(h) {
		return
	}
	if old, ok := t.index[h]; ok {
		t.liveBytes -= int64(old.size)
		if size == 0 {
			delete(t.index, h)
		}
	}
	if size > 0 {
		t.index[h] = rowSize{size: int32(size), token: t.tokenHash(key)}
		t.liveBytes += int64(size)
	}
}

// group is rows on their way into one JetStream message, and the Pending of
// the Writes whose rows it holds.
type group struct {
	gen  int
	buf  []byte
	done chan struct{}
	err  error
}

// groupBuffers are the buffers of groups that have been stored, for the
// next ones.
var groupBuffers = sync.Pool{New: func() any { return make([]byte, 0, 4096) }}

func (t *logTable) newGroupLocked() *group {
	g := &group{gen: t.gens[len(t.gens)-1], buf: groupBuffers.Get().([]byte)[:0], done: make(chan struct{})}
	g.buf = append(g.buf, logVersion)
	t.queue = append(t.queue, g)
	t.last = g
	return g
}

// openGroupLocked returns the group that takes the next rows: the newest
// queued one, unless a rewrite has switched generations since it started.
func (t *logTable) openGroupLocked() *group {
	if n := len(t.queue); n > 0 && t.queue[n-1].gen == t.gens[len(t.gens)-1] {
		return t.queue[n-1]
	}
	return t.newGroupLocked()
}

func (g *group) finish(err error) {
	g.err = err
	close(g.done)
}

func (g *group) Wait(ctx context.Context) error {
	select {
	case <-g.done:
		return g.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *group) Refused() error { return nil }

// groups is the Pending of a Write whose rows span several groups.
type groups []*group

func (gs groups) Wait(ctx context.Context) error {
	for _, g := range gs {
		if err := g.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (gs groups) Refused() error { return nil }

// failed is the Pending of a Write that could not be queued.
type failed struct {
	err     error
	refused bool
}

func (f failed) Wait(context.Context) error { return f.err }
func (f failed) Refused() error {
	if f.refused {
		return f.err
	}
	return nil
}

// stored is the Pending of a Write of no rows.
var stored = failed{}

func (t *logTable) Write(rows ...store.Row) store.Pending {
	if len(rows) == 0 {
		return stored
	}
	var now int64
	for _, r := range rows {
		if len(r.Value) > 0 {
			if err := t.space.room(); err != nil {
				return failed{err: err, refused: true}
			}
			now = t.clock().UnixMilli()
			break
		}
	}
	for _, r := range rows {
		if n := opSize(r.Key, r.Value); n > t.maxMsg {
			return failed{err: fmt.Errorf("write %s: a row of %d bytes is larger than the largest message (%d)", r.Key, n, t.maxMsg)}
		}
	}
	t.mu.Lock()
	g := t.openGroupLocked()
	var span groups
	for _, r := range rows {
		n := opSize(r.Key, r.Value)
		if len(g.buf) > 1 && len(g.buf)+n > t.groupMax {
			if span == nil {
				span = groups{g}
			}
			g = t.newGroupLocked()
			span = append(span, g)
		}
		var expires int64
		if r.TTL > 0 && len(r.Value) > 0 {
			expires = now + max(r.TTL, time.Second).Milliseconds()
		}
		before := len(g.buf)
		g.buf = appendOp(g.buf, r.Key, r.Value, expires)
		size := len(g.buf) - before
		t.genBytes[g.gen] += int64(size)
		t.unchecked += int64(size)
		if len(r.Value) == 0 {
			size = 0
		}
		t.indexLocked(r.Key, size)
		if t.touched != nil {
			t.touched[r.Key] = struct{}{}
		}
	}
	due := t.compactDueLocked()
	t.mu.Unlock()
	signal(t.wake)
	if due {
		signal(t.compactWake)
	}
	if span != nil {
		return span
	}
	return g
}

// compactDueLocked reports whether the log should be rewritten: it is
// large, and twice the rows it holds (or, while the index is stale, twice
// what it was after the last rewrite).
func (t *logTable) compactDueLocked() bool {
	if t.compacting {
		return false
	}
	if t.clustered() {
		if t.unchecked < t.compactAt/16 {
			return false
		}
		t.unchecked = 0
		t.compacting = true
		return true
	}
	var total int64
	for _, g := range t.gens {
		total += t.genBytes[g]
	}
	live := t.liveBytes * indexSample
	if t.stale {
		live = t.base
	}
	if total < t.compactAt || total < 2*live {
		return false
	}
	t.compacting = true
	return true
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
