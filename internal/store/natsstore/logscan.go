package natsstore

import (
	"context"
	"strings"
)

// Scans of a log table share replays: a Scan waits for the replay under
// way (if any) to end, and then one replay serves every Scan that waited
// meanwhile, whatever their prefixes. A cluster node that takes over a
// dead node's queues scans the log once per queue, and all at once: they
// cost about one replay, not one each. A Scan never rides a replay that
// started before it, so it sees every write acknowledged before it.

// scanBatch is the Scans that a replay serves.
type scanBatch struct {
	prefixes []string
	rows     [][]scanned // by prefix
	err      error
	done     chan struct{}
}

// scanShared returns the current rows under prefix, from a replay shared
// with the Scans that wait with it.
func (t *logTable) scanShared(ctx context.Context, prefix string) ([]scanned, error) {
	t.smu.Lock()
	b := t.nextScan
	if b == nil {
		b = &scanBatch{done: make(chan struct{})}
		t.nextScan = b
	}
	i := len(b.prefixes)
	b.prefixes = append(b.prefixes, prefix)
	for {
		select {
		case <-b.done:
			t.smu.Unlock()
			return b.rows[i], b.err
		default:
		}
		if t.scanning == nil && t.nextScan == b {
			t.scanning, t.nextScan = b, nil
			t.smu.Unlock()
			// The others' Scans ride it: this one's end does not end theirs.
			b.rows, b.err = t.replayFor(context.WithoutCancel(ctx), b.prefixes)
			t.smu.Lock()
			t.scanning = nil
			close(b.done)
			t.smu.Unlock()
			return b.rows[i], b.err
		}
		running := t.scanning // b itself, or the one before it
		t.smu.Unlock()
		select {
		case <-b.done:
		case <-running.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		t.smu.Lock()
	}
}

// replayFor replays the log once for the rows under each of prefixes.
func (t *logTable) replayFor(ctx context.Context, prefixes []string) ([][]scanned, error) {
	out := make([][]scanned, len(prefixes))
	if len(prefixes) == 1 {
		rows, err := t.currentOf(ctx, prefixes[0])
		out[0] = rows
		return out, err
	}
	rows, err := t.currentOf(ctx, "")
	if err != nil {
		return out, err
	}
	at := map[string][]int{} // the places of each prefix in prefixes
	for i, p := range prefixes {
		at[p] = append(at[p], i)
	}
	for _, r := range rows {
		for _, i := range at[""] {
			out[i] = append(out[i], r)
		}
		// Every prefix a key is under is the key cut before a dot.
		for j := strings.IndexByte(r.key, '.'); j >= 0; {
			for _, i := range at[r.key[:j]] {
				out[i] = append(out[i], r)
			}
			k := strings.IndexByte(r.key[j+1:], '.')
			if k < 0 {
				break
			}
			j += 1 + k
		}
	}
	return out, nil
}

// currentOf is the current rows under prefix of the live generations.
func (t *logTable) currentOf(ctx context.Context, prefix string) ([]scanned, error) {
	if t.clustered() {
		return t.currentLive(ctx, prefix)
	}
	t.rw.RLock()
	defer t.rw.RUnlock()
	t.mu.Lock()
	gens := append([]int(nil), t.gens...)
	t.mu.Unlock()
	return t.current(ctx, gens, prefix)
}
