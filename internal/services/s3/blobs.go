package s3

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// blobs keeps object bytes. A blob of at most inlineMax bytes is a value
// of the KV store (d.<id>, see inline.go), written in the same stream as
// the metadata that names it and before it. A larger one is a file,
// <dir>/blobs/<xx>/<id>: written in <dir>/tmp, fsynced, renamed into
// place and its directory fsynced before any metadata names it. A blob is
// immutable once committed; a copy is a hard link (or, inline, a second
// value). Blobs that readers have pinned are removed only when the last
// reader lets go, so a reader of a many-part object that opens its parts
// one after another never finds one gone.
//
// In a cluster (objects set) a file blob is also an object of the
// replicated object store, stored before any metadata names it, so that
// it outlives this node's disk; the local files are copies, filled from
// the object store on a miss (fill.go). Ids are random and blobs never
// change, so a copy is never stale.
type blobs struct {
	dir     string
	tmp     string
	kv      store.KV
	objects store.Objects // nil on a single node

	mu   sync.Mutex
	pins map[string]int
	// doomed are pinned blobs to remove at their last unpin: true for
	// everywhere (the object store and inline values too), false for this
	// node's copy only.
	doomed map[string]bool
	fills  map[string]*fill

	// fillCtx bounds the fills' goroutines (fillWG); stopFills ends them.
	fillCtx  context.Context
	fillStop context.CancelFunc
	fillWG   sync.WaitGroup
}

// openBlobs prepares the directories and empties tmp: whatever is there was
// being written when nubo stopped and no metadata names it.
func openBlobs(dir string, kv store.KV, objects store.Objects) (*blobs, error) {
	b := &blobs{
		dir: filepath.Join(dir, "blobs"), tmp: filepath.Join(dir, "tmp"), kv: kv, objects: objects,
		pins: map[string]int{}, doomed: map[string]bool{}, fills: map[string]*fill{},
	}
	b.fillCtx, b.fillStop = context.WithCancel(context.Background())
	if err := os.RemoveAll(b.tmp); err != nil {
		return nil, fmt.Errorf("clean %s: %w", b.tmp, err)
	}
	for _, d := range []string{b.dir, b.tmp} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, fmt.Errorf("create %s: %w", d, err)
		}
	}
	return b, nil
}

func newBlobID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (b *blobs) path(id string) string { return filepath.Join(b.dir, id[:2], id) }

// blobWriter is a blob being written; nothing refers to it until commit.
// Its bytes stay in memory until they outgrow inlineMax, then go to a
// temporary file.
type blobWriter struct {
	b   *blobs
	buf []byte
	f   *os.File
	// written and flushed count the file's bytes, and those handed to
	// writeback (every writebackEvery).
	written, flushed int64
}

// writebackEvery is how many bytes of a large blob accumulate before the
// kernel is asked to start writing them.
const writebackEvery = 4 << 20

func (b *blobs) create() *blobWriter { return &blobWriter{b: b} }

func (w *blobWriter) Write(p []byte) (int, error) {
	if w.f == nil && len(w.buf)+len(p) <= inlineMax {
		w.buf = append(w.buf, p...)
		return len(p), nil
	}
	if w.f == nil {
		f, err := os.CreateTemp(w.b.tmp, "put-*")
		if err != nil {
			return 0, fmt.Errorf("create blob: %w", err)
		}
		w.f = f
		if _, err := f.Write(w.buf); err != nil {
			return 0, err
		}
		w.written, w.buf = int64(len(w.buf)), nil
	}
	n, err := w.f.Write(p)
	w.written += int64(n)
	if w.written-w.flushed >= writebackEvery {
		startWriteback(w.f, w.flushed, w.written-w.flushed)
		w.flushed = w.written
	}
	return n, err
}

// commit makes the bytes durable under a new id: a small blob is one KV
// write; a file is fsynced, renamed into place and its directory fsynced,
// and in a cluster stored in the object store.
func (w *blobWriter) commit(ctx context.Context) (string, error) {
	if w.f == nil {
		return w.b.putInline(ctx, w.buf)
	}
	id := newBlobID()
	if err := w.f.Sync(); err != nil {
		w.abort()
		return "", fmt.Errorf("sync blob: %w", err)
	}
	if err := w.f.Close(); err != nil {
		os.Remove(w.f.Name())
		return "", fmt.Errorf("close blob: %w", err)
	}
	if err := w.b.place(w.f.Name(), id, os.Rename); err != nil {
		os.Remove(w.f.Name())
		return "", err
	}
	if err := w.b.share(ctx, id); err != nil {
		os.Remove(w.b.path(id))
		return "", err
	}
	return id, nil
}

// share stores the file blob id in the object store (in a cluster), and
// returns once the store acknowledged it: replicated, it survives this
// node. A client that goes away does not stop it half way.
func (b *blobs) share(ctx context.Context, id string) error {
	if b.objects == nil {
		return nil
	}
	f, err := os.Open(b.path(id))
	if err != nil {
		return fmt.Errorf("share blob: %w", err)
	}
	defer f.Close()
	if err := b.objects.Put(context.WithoutCancel(ctx), id, f); err != nil {
		return fmt.Errorf("share blob: %w", err)
	}
	return nil
}

func (w *blobWriter) abort() {
	if w.f != nil {
		w.f.Close()
		os.Remove(w.f.Name())
	}
}

// place moves (or links) from into the blob id and fsyncs its directory.
func (b *blobs) place(from, id string, move func(string, string) error) error {
	dst := b.path(id)
	if err := move(from, dst); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return fmt.Errorf("create blob dir: %w", err)
		}
		if err := syncDir(b.dir); err != nil {
			return err
		}
		err = move(from, dst)
		if err != nil {
			return fmt.Errorf("place blob: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("place blob: %w", err)
	}
	return syncDir(filepath.Dir(dst))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}

// link gives the bytes of blob id a second, independent name (a copy that
// costs nothing, or, for an inline blob, a second value).
func (b *blobs) link(ctx context.Context, id string) (string, error) {
	if isInline(id) {
		data, err := b.getInline(ctx, id)
		if err != nil {
			return "", err
		}
		return b.putInline(ctx, data)
	}
	if err := b.ensureLocal(ctx, id); err != nil {
		return "", err
	}
	nid := newBlobID()
	if err := b.place(b.path(id), nid, os.Link); err != nil {
		return "", err
	}
	if err := b.share(ctx, nid); err != nil {
		os.Remove(b.path(nid))
		return "", err
	}
	return nid, nil
}

// open returns blob id to read from its start, for a read that ends at
// end.
func (b *blobs) open(ctx context.Context, id string, end int64) (io.ReadSeekCloser, error) {
	if isInline(id) {
		data, err := b.getInline(ctx, id)
		if err != nil {
			return nil, err
		}
		return nopCloser{bytesReader(data)}, nil
	}
	f, err := os.Open(b.path(id))
	if errors.Is(err, fs.ErrNotExist) && b.objects != nil {
		return b.fetch(id, end)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob: %w", err)
	}
	return f, nil
}

// pin keeps ids from being removed until unpin.
func (b *blobs) pin(ids []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, id := range ids {
		b.pins[id]++
	}
}

func (b *blobs) unpin(ids []string) {
	b.mu.Lock()
	var gone []string
	var local []string
	for _, id := range ids {
		if b.pins[id]--; b.pins[id] > 0 {
			continue
		}
		delete(b.pins, id)
		if everywhere, ok := b.doomed[id]; ok {
			delete(b.doomed, id)
			if everywhere {
				gone = append(gone, id)
			} else {
				local = append(local, id)
			}
		}
	}
	b.mu.Unlock()
	b.unlink(gone, true)
	b.unlink(local, false)
}

// remove deletes blobs no metadata names any more (at once, or when their
// last reader unpins them), everywhere: the node whose write or deletion
// dropped them from the metadata calls it. A crash before it leaves blobs
// that the sweeps remove.
func (b *blobs) remove(ids []string) { b.drop(ids, true) }

// dropLocal deletes this node's copies of blobs that another node's write
// or deletion dropped from the metadata (that node removes the shared
// copy).
func (b *blobs) dropLocal(ids []string) { b.drop(ids, false) }

func (b *blobs) drop(ids []string, everywhere bool) {
	b.mu.Lock()
	var now []string
	for _, id := range ids {
		if fl := b.fills[id]; fl != nil {
			fl.dropped = true
		}
		if b.pins[id] > 0 {
			b.doomed[id] = b.doomed[id] || everywhere
		} else {
			now = append(now, id)
		}
	}
	b.mu.Unlock()
	b.unlink(now, everywhere)
}

func (b *blobs) unlink(ids []string, everywhere bool) {
	for _, id := range ids {
		switch {
		case isInline(id):
			if everywhere {
				b.deleteInline(id)
			}
		default:
			os.Remove(b.path(id))
			if everywhere && b.objects != nil {
				b.deleteShared(id)
			}
		}
	}
}

// deleteShared removes a blob from the object store, in the background
// of no request: a failure leaves an object the cluster's sweep removes.
func (b *blobs) deleteShared(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b.objects.Delete(ctx, id)
}

// sweep removes every blob that live does not name: written before a
// crash and never committed to metadata, or left behind by a deletion the
// crash interrupted. In a cluster it removes this node's files only:
// another node may be writing a blob that its metadata does not name yet,
// so the shared blobs are left to sweepShared.
func (b *blobs) sweep(ctx context.Context, live map[string]bool) (int, error) {
	removed := 0
	err := filepath.WalkDir(b.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !live[d.Name()] {
			removed++
			return os.Remove(p)
		}
		return nil
	})
	if err != nil || b.objects != nil {
		return removed, err
	}
	n, err := b.sweepInline(ctx, live)
	return removed + n, err
}
