package natsstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// compactor rewrites the log when a Write finds it due, until ctx ends.
func (t *logTable) compactor(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.compactWake:
		}
		compact := t.compact
		if t.clustered() {
			compact = t.compactCluster
		}
		if err := compact(ctx); err != nil && ctx.Err() == nil {
			t.log.Warn("store: rewrite a log table", "table", t.name, "err", err)
		}
		t.mu.Lock()
		t.compacting, t.touched, t.purged = false, nil, nil
		t.mu.Unlock()
	}
}

// compact starts a generation that takes the appends from now on, copies
// into it the rows whose last write is in an older one, marks it complete
// and deletes the older ones. Writes go on meanwhile: a row written again,
// deleted or purged after the switch is not copied, and a copy is queued
// under the same lock as writes, so a later write of its row follows it.
func (t *logTable) compact(ctx context.Context) error {
	old, next, err := t.switchGen(ctx)
	if err != nil {
		return err
	}
	copied, err := t.copyOld(ctx, old, next)
	if err != nil {
		return err
	}
	// From here on the new generation is the one open replays from.
	t.mu.Lock()
	base := t.genBytes[next]
	t.mu.Unlock()
	if err := t.markComplete(ctx, next, base); err != nil {
		return err
	}
	return t.dropOld(ctx, old, next, copied)
}

// switchGen creates the next generation and makes it take the appends; it
// returns the older generations and the new one.
func (t *logTable) switchGen(ctx context.Context) ([]int, int, error) {
	t.mu.Lock()
	next := t.gens[len(t.gens)-1] + 1
	t.mu.Unlock()
	// A stream of that name may hold an interrupted rewrite's files.
	if _, err := createEmpty(ctx, t.js, t.config(next, false), t.log); err != nil {
		return nil, 0, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	old := append([]int(nil), t.gens...)
	t.gens = append(t.gens, next)
	t.touched, t.purged = map[string]struct{}{}, nil
	return old, next, nil
}

// copyOld copies into generation next the rows of the generations old that
// nothing touched since the switch, once all of old's groups are stored.
func (t *logTable) copyOld(ctx context.Context, old []int, next int) (int, error) {
	t.mu.Lock()
	last := t.last
	t.mu.Unlock()
	// Every group of the older generations was queued before the switch.
	if last != nil && last.gen != next {
		if err := last.Wait(ctx); err != nil {
			return 0, err
		}
	}
	rows, err := t.current(ctx, old, "")
	if err != nil {
		return 0, err
	}
	return t.copyCurrent(ctx, rows, next)
}

// markComplete records that generation next holds every current row, with
// a message rather than in its stream metadata: next holds the only copy
// of the rows written since the switch, and a kill while JetStream
// rewrites a stream's config hides the stream (see config). The message is
// an empty group, which replays read as one, with a header saying how
// large the generation was then (base: in a cluster, how large the log
// was after its last rewrite, which no node knows otherwise).
func (t *logTable) markComplete(ctx context.Context, next int, base int64) error {
	msg := &nats.Msg{Subject: t.completeSubject(next), Data: []byte{logVersion}, Header: nats.Header{}}
	msg.Header.Set(baseHeader, strconv.FormatInt(base, 10))
	_, err := t.js.PublishMsg(ctx, msg, jetstream.WithExpectStream(t.stream(next)))
	if err != nil {
		return fmt.Errorf("mark %s complete: %w", t.stream(next), unavailable(err))
	}
	return nil
}

// dropOld deletes the generations old, whose rows next holds.
func (t *logTable) dropOld(ctx context.Context, old []int, next, copied int) error {
	t.rw.Lock()
	defer t.rw.Unlock()
	t.mu.Lock()
	t.gens = t.gens[len(old):]
	before := int64(0)
	for _, g := range old {
		before += t.genBytes[g]
		delete(t.genBytes, g)
	}
	t.base = t.genBytes[next]
	t.mu.Unlock()
	for _, g := range old {
		if err := t.js.DeleteStream(ctx, t.stream(g)); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			return fmt.Errorf("delete %s: %w", t.stream(g), err)
		}
	}
	t.space.refresh()
	t.log.Info("store: rewrote a log table", "table", t.name, "generation", next, "rows", copied, "bytes before", before)
	return nil
}

// copyCurrent queues into generation next the rows of the older ones that
// nothing touched since the switch (in the order they were written, a
// thousand per lock), and waits until each group holding copies is stored:
// one failing does not make the later ones fail, and the generation must
// not be marked complete without every copy. The index is then what was
// copied and what was written since the switch.
func (t *logTable) copyCurrent(ctx context.Context, rows []scanned, next int) (int, error) {
	copied := 0
	var used groups
	index := map[uint64]rowSize{}
	for i := 0; i < len(rows); i += 1000 {
		now := t.clock().UnixMilli()
		t.mu.Lock()
		for _, r := range rows[i:min(i+1000, len(rows))] {
			if _, ok := t.touched[r.key]; ok || r.expires != 0 && r.expires <= now || t.purgedLocked(r.key) {
				continue
			}
			g := t.openGroupLocked()
			if len(g.buf) > 1 && len(g.buf)+opSize(r.key, r.value) > t.groupMax {
				g = t.newGroupLocked()
			}
			before := len(g.buf)
			g.buf = appendOp(g.buf, r.key, r.value, r.expires)
			size := len(g.buf) - before
			t.genBytes[next] += int64(size)
			if h := t.hash(r.key); sampled(h) {
				index[h] = rowSize{size: int32(size), token: t.tokenHash(r.key)}
			}
			if n := len(used); n == 0 || used[n-1] != g {
				used = append(used, g)
			}
			copied++
		}
		t.mu.Unlock()
		signal(t.wake)
	}
	t.mu.Lock()
	for k := range t.touched {
		if e, ok := t.index[t.hash(k)]; ok {
			index[t.hash(k)] = e // sampled, since it is there
		}
	}
	t.index, t.liveBytes, t.stale = index, 0, false
	for _, e := range index {
		t.liveBytes += int64(e.size)
	}
	t.mu.Unlock()
	return copied, used.Wait(ctx)
}

// purgedLocked reports whether key is under a prefix purged since the
// switch.
func (t *logTable) purgedLocked(key string) bool {
	for _, p := range t.purged {
		if under(key, p) {
			return true
		}
	}
	return false
}
