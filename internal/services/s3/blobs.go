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
type blobs struct {
	dir string
	tmp string
	kv  store.KV

	mu     sync.Mutex
	pins   map[string]int
	doomed map[string]bool
}

// openBlobs prepares the directories and empties tmp: whatever is there was
// being written when nubo stopped and no metadata names it.
func openBlobs(dir string, kv store.KV) (*blobs, error) {
	b := &blobs{dir: filepath.Join(dir, "blobs"), tmp: filepath.Join(dir, "tmp"), kv: kv, pins: map[string]int{}, doomed: map[string]bool{}}
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
// write; a file is fsynced, renamed into place and its directory fsynced.
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
	return id, nil
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
	nid := newBlobID()
	if err := b.place(b.path(id), nid, os.Link); err != nil {
		return "", err
	}
	return nid, nil
}

// open returns blob id to read from its start.
func (b *blobs) open(ctx context.Context, id string) (io.ReadSeekCloser, error) {
	if isInline(id) {
		data, err := b.getInline(ctx, id)
		if err != nil {
			return nil, err
		}
		return nopCloser{bytesReader(data)}, nil
	}
	f, err := os.Open(b.path(id))
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
	for _, id := range ids {
		if b.pins[id]--; b.pins[id] > 0 {
			continue
		}
		delete(b.pins, id)
		if b.doomed[id] {
			delete(b.doomed, id)
			gone = append(gone, id)
		}
	}
	b.mu.Unlock()
	b.unlink(gone)
}

// remove deletes blobs no metadata names any more (at once, or when their
// last reader unpins them). A crash before it leaves files that the
// start-up sweep removes.
func (b *blobs) remove(ids []string) {
	b.mu.Lock()
	var now []string
	for _, id := range ids {
		if b.pins[id] > 0 {
			b.doomed[id] = true
		} else {
			now = append(now, id)
		}
	}
	b.mu.Unlock()
	b.unlink(now)
}

func (b *blobs) unlink(ids []string) {
	for _, id := range ids {
		if isInline(id) {
			b.deleteInline(id)
		} else {
			os.Remove(b.path(id))
		}
	}
}

// sweep removes every blob that live does not name: written before a
// crash and never committed to metadata, or left behind by a deletion the
// crash interrupted.
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
	if err != nil {
		return removed, err
	}
	n, err := b.sweepInline(ctx, live)
	return removed + n, err
}
