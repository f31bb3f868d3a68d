package natsstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/nubo-dev/nubo/internal/store"
)

// A group is a version byte, then ops: a kind, the key (uvarint length and
// bytes), for opExpiring the expiry (uvarint Unix milliseconds), and for
// opSet and opExpiring the value (uvarint length and bytes).
const logVersion = 1

// logCopies is the version byte of a group of copies: the rows a rewrite
// in a cluster copied from the older generations into a new one. A copy
// never overrides a row written, deleted or purged in the same generation
// by a node (see current), so the rewriter need not know what the other
// nodes wrote there since the switch.
const logCopies = 2

// The kinds of op.
const (
	opSet      = 1 // the row is value
	opExpiring = 2 // the row is value until expires
	opDelete   = 3 // the row is gone
	opPurge    = 4 // every row under key (a prefix) is gone
)

// opSize bounds the encoded size of an op.
func opSize(key string, value []byte) int {
	return 1 + 3*binary.MaxVarintLen64 + len(key) + len(value)
}

// appendOp encodes a set (a value), an expiring set (and expires) or a
// deletion (no value).
func appendOp(b []byte, key string, value []byte, expires int64) []byte {
	switch {
	case len(value) == 0:
		b = append(b, opDelete)
	case expires > 0:
		b = append(b, opExpiring)
	default:
		b = append(b, opSet)
	}
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	if len(value) == 0 {
		return b
	}
	if expires > 0 {
		b = binary.AppendUvarint(b, uint64(expires))
	}
	b = binary.AppendUvarint(b, uint64(len(value)))
	return append(b, value...)
}

func appendPurge(b []byte, prefix string) []byte {
	b = append(b, opPurge)
	b = binary.AppendUvarint(b, uint64(len(prefix)))
	return append(b, prefix...)
}

// logOp is a decoded op; value aliases the group.
type logOp struct {
	kind    byte
	key     string
	value   []byte
	expires int64
	size    int  // encoded
	copy    bool // of a group of copies
}

var errLogCorrupt = errors.New("corrupt log group")

// decodeGroup calls fn with each op of a group, in order.
func decodeGroup(b []byte, fn func(op logOp)) error {
	if len(b) == 0 || b[0] != logVersion && b[0] != logCopies {
		return fmt.Errorf("%w: version %v", errLogCorrupt, b[:min(len(b), 1)])
	}
	copies := b[0] == logCopies
	b = b[1:]
	field := func() ([]byte, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, false
		}
		v := b[k : k+int(n)]
		b = b[k+int(n):]
		return v, true
	}
	for len(b) > 0 {
		start := len(b)
		op := logOp{kind: b[0], copy: copies}
		b = b[1:]
		key, ok := field()
		if !ok || op.kind < opSet || op.kind > opPurge || copies && op.kind > opExpiring {
			return errLogCorrupt
		}
		op.key = string(key)
		if op.kind == opExpiring {
			e, k := binary.Uvarint(b)
			if k <= 0 {
				return errLogCorrupt
			}
			op.expires, b = int64(e), b[k:]
		}
		if op.kind == opSet || op.kind == opExpiring {
			if op.value, ok = field(); !ok || len(op.value) == 0 {
				return errLogCorrupt
			}
		}
		op.size = start - len(b)
		fn(op)
	}
	return nil
}

// under reports whether key is below prefix ("" is above all).
func under(key, prefix string) bool {
	return prefix == "" || len(key) > len(prefix) && key[len(prefix)] == '.' && strings.HasPrefix(key, prefix)
}

// replay calls fn with every group of generation gen, oldest first: up to
// the last one its stream's leader had stored when replay started, so that
// a replay in a cluster sees every write acknowledged before it, even when
// its consumer reads from a replica still catching up.
func (t *logTable) replay(ctx context.Context, gen int, fn func([]byte) error) error {
	info, err := t.streamInfo(ctx, gen)
	if err != nil {
		return fmt.Errorf("read %s: %w", t.stream(gen), unavailable(err))
	}
	last := info.State.LastSeq
	if last == 0 || info.State.Msgs == 0 {
		return nil
	}
	// A generation a rewrite just created or sealed may not answer at
	// once in a cluster.
	cons, err := again(ctx, t.st, true, func() (jetstream.Consumer, error) {
		// Its resets are bounded: unbounded, a Fetch from a generation a
		// rewrite deleted would retry for ever.
		return t.js.OrderedConsumer(ctx, t.stream(gen), jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy, MaxResetAttempts: 2})
	})
	if err != nil {
		return fmt.Errorf("read %s: %w", t.stream(gen), unavailable(err))
	}
	// The consumer goes with the replay: replays retried would otherwise
	// pile consumers up.
	defer deleteOrdered(ctx, t.js, t.stream(gen), cons)
	var seen uint64
	// A replica behind the leader delivers nothing until it caught up;
	// after a few seconds without progress the rest is read from the
	// leader, one request per group.
	stalled := time.Now().Add(3 * time.Second)
	for seen < last {
		if time.Now().After(stalled) {
			return t.replayLeader(ctx, gen, seen, last, fn)
		}
		batch, err := again(ctx, t.st, true, func() (jetstream.MessageBatch, error) {
			return cons.Fetch(int(min(last-seen, 256)), jetstream.FetchMaxWait(time.Second))
		})
		if err != nil {
			return fmt.Errorf("read %s: %w", t.stream(gen), unavailable(err))
		}
		n := 0
		for msg := range batch.Messages() {
			n++
			if md, err := msg.Metadata(); err == nil {
				seen = md.Sequence.Stream
			}
			if err := fn(msg.Data()); err != nil {
				return fmt.Errorf("read %s: %w", t.stream(gen), err)
			}
		}
		// A consumer of a generation just created or sealed may not answer
		// at first (no responders): the ordered consumer makes a new one.
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, nats.ErrTimeout) &&
			!errors.Is(err, nats.ErrNoResponders) {
			return fmt.Errorf("read %s: %w", t.stream(gen), unavailable(err))
		}
		if n > 0 {
			stalled = time.Now().Add(3 * time.Second)
		}
	}
	return nil
}

// replayLeader calls fn with the groups after seen up to last, read one by
// one from the stream's leader.
func (t *logTable) replayLeader(ctx context.Context, gen int, seen, last uint64, fn func([]byte) error) error {
	st, err := again(ctx, t.st, true, func() (jetstream.Stream, error) { return t.js.Stream(ctx, t.stream(gen)) })
	if err != nil {
		return fmt.Errorf("read %s: %w", t.stream(gen), err)
	}
	for seq := seen + 1; seq <= last; seq++ {
		m, err := again(ctx, t.st, true, func() (*jetstream.RawStreamMsg, error) { return st.GetMsg(ctx, seq) })
		if err != nil {
			return fmt.Errorf("read %s: %w", t.stream(gen), unavailable(err))
		}
		if err := fn(m.Data); err != nil {
			return fmt.Errorf("read %s: %w", t.stream(gen), err)
		}
	}
	return nil
}

// scanned is a row as a replay finds it.
type scanned struct {
	key     string
	value   []byte
	expires int64
}

// current replays the generations gens and returns their rows under
// prefix as they stand at the end, in the order of their last writes.
//
// In a cluster a generation may hold copies (logCopies) besides the
// nodes' own writes; a copy of a row is skipped when a node wrote or
// deleted that row, or purged a prefix above it, earlier in the same
// generation (a write after the copy overrides it as any later write
// does): the nodes' writes there are newer than every row of the older
// generations the copies come from.
func (t *logTable) current(ctx context.Context, gens []int, prefix string) ([]scanned, error) {
	var rows []scanned     // every write replayed; those overwritten have no key
	at := map[string]int{} // the current rows' places in rows
	drop := func(k string, i int) {
		rows[i] = scanned{}
		delete(at, k)
	}
	for _, gen := range gens {
		var own genWrites
		if t.clustered() {
			own.keys = map[string]struct{}{}
		}
		err := t.replay(ctx, gen, func(b []byte) error {
			return decodeGroup(b, func(op logOp) {
				switch {
				case op.kind == opPurge:
					own.purge(op.key)
					for k, i := range at {
						if under(k, op.key) {
							drop(k, i)
						}
					}
				case !under(op.key, prefix):
				case op.copy && own.wrote(op.key):
				case op.kind == opDelete:
					own.write(op.key)
					if i, ok := at[op.key]; ok {
						drop(op.key, i)
					}
				default:
					if !op.copy {
						own.write(op.key)
					}
					if i, ok := at[op.key]; ok {
						rows[i] = scanned{}
					}
					at[op.key] = len(rows)
					rows = append(rows, scanned{key: op.key, value: op.value, expires: op.expires})
				}
			})
		})
		if err != nil {
			return nil, err
		}
	}
	live := rows[:0]
	for _, r := range rows {
		if r.key != "" {
			live = append(live, r)
		}
	}
	return live, nil
}

// genWrites are the keys a generation's replay found written or deleted
// by a node, and the prefixes purged, so far; nothing is kept off a
// cluster (keys nil), where no generation holds copies.
type genWrites struct {
	keys   map[string]struct{}
	purged []string
}

func (w *genWrites) write(key string) {
	if w.keys != nil {
		w.keys[key] = struct{}{}
	}
}

func (w *genWrites) purge(prefix string) {
	if w.keys != nil {
		w.purged = append(w.purged, prefix)
	}
}

func (w *genWrites) wrote(key string) bool {
	if _, ok := w.keys[key]; ok {
		return true
	}
	for _, p := range w.purged {
		if under(key, p) {
			return true
		}
	}
	return false
}

// Scan replays the whole log (with the Scans waiting with it, see
// scanShared), and calls fn with the rows under prefix.
func (t *logTable) Scan(ctx context.Context, prefix string, fn func(store.Row) bool) error {
	rows, err := t.scanShared(ctx, prefix)
	if err != nil {
		return fmt.Errorf("scan %s: %w", prefix, err)
	}
	now := t.clock().UnixMilli()
	for _, r := range rows {
		if (r.expires == 0 || r.expires > now) && !fn(store.Row{Key: r.key, Value: r.value}) {
			return nil
		}
	}
	return nil
}

// purgeIndexLocked forgets the rows under prefix: exactly for a prefix of
// one token, else the index goes stale until the next rewrite.
func (t *logTable) purgeIndexLocked(prefix string) {
	if prefix == "" || strings.Contains(prefix, ".") {
		t.stale = true
		return
	}
	token := t.tokenHash(prefix)
	for h, e := range t.index {
		if e.token == token {
			t.liveBytes -= int64(e.size)
			delete(t.index, h)
		}
	}
}

// Purge deletes the rows under prefix, and waits until that is stored.
func (t *logTable) Purge(ctx context.Context, prefix string) error {
	t.mu.Lock()
	if t.touched != nil {
		t.purged = append(t.purged, prefix)
	}
	t.purgeIndexLocked(prefix)
	g := t.openGroupLocked()
	before := len(g.buf)
	g.buf = appendPurge(g.buf, prefix)
	t.genBytes[g.gen] += int64(len(g.buf) - before)
	due := t.compactDueLocked()
	t.mu.Unlock()
	signal(t.wake)
	if due {
		signal(t.compactWake)
	}
	if err := g.Wait(ctx); err != nil {
		return fmt.Errorf("purge %s: %w", prefix, err)
	}
	return nil
}
