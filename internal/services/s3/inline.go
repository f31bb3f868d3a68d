package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// inlineMax is the largest blob kept in the KV store instead of a file.
// Such a blob is one acknowledged write to the same JetStream stream as
// the metadata that names it, written before it: as durable as every
// other acknowledged write of nubo (a kill -9 loses none), never half
// there after a power loss, replicated with the metadata in a cluster,
// and without the two fsyncs a file costs, which dominate a small PUT.
const inlineMax = 64 << 10

// inlinePrefix starts the id of an inline blob (file blobs are hex).
const inlinePrefix = "i-"

func isInline(id string) bool { return strings.HasPrefix(id, inlinePrefix) }

func inlineKey(id string) string { return store.Key("d", id) }

// putInline stores data as a new inline blob and returns its id.
func (b *blobs) putInline(ctx context.Context, data []byte) (string, error) {
	id := inlinePrefix + newBlobID()
	if _, err := b.kv.Put(context.WithoutCancel(ctx), inlineKey(id), data); err != nil {
		return "", fmt.Errorf("store blob: %w", err)
	}
	return id, nil
}

func (b *blobs) getInline(ctx context.Context, id string) ([]byte, error) {
	e, err := b.kv.Get(ctx, inlineKey(id))
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", id, err)
	}
	return e.Value, nil
}

// deleteInline removes an inline blob, in the background of no request:
// a failure leaves a value the next start's sweep removes.
func (b *blobs) deleteInline(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b.kv.Delete(ctx, inlineKey(id))
}

// sweepInline removes the inline blobs live does not name.
func (b *blobs) sweepInline(ctx context.Context, live map[string]bool) (int, error) {
	keys, err := b.kv.Keys(ctx, store.Key("d"))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return 0, fmt.Errorf("list inline blobs: %w", err)
	}
	removed := 0
	for _, k := range keys {
		t := store.SplitKey(k)
		if len(t) != 2 || live[t[1]] {
			continue
		}
		if err := b.kv.Delete(ctx, k); err != nil && !errors.Is(err, store.ErrNotFound) {
			return removed, fmt.Errorf("remove inline blob: %w", err)
		}
		removed++
	}
	return removed, nil
}

// nopCloser gives an in-memory blob the file's Close.
type nopCloser struct{ io.ReadSeeker }

func (nopCloser) Close() error { return nil }

func bytesReader(b []byte) io.ReadSeeker { return bytes.NewReader(b) }
