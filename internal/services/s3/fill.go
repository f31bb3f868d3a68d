package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// fill copies one blob from the object store into this node's files, in
// the background: readers that asked for it read the temporary file as it
// grows, so a range near the start is served without waiting for the
// rest, and the finished file is fsynced and renamed into place for the
// next reader. Concurrent misses of one blob share one fill.
type fill struct {
	f *os.File // the temporary file, written by run and read with ReadAt
	// dropped (guarded by blobs.mu) is set when the blob is removed
	// while it is filled: the finished file goes too.
	dropped bool

	mu      sync.Mutex
	n       int64 // bytes written so far
	done    bool
	err     error
	refs    int           // run and the open readers; the last one closes f
	changed chan struct{} // closed and replaced at each change
}

// fetch returns a reader of blob id, filled from the object store, for a
// read that ends at end.
func (b *blobs) fetch(id string, end int64) (io.ReadSeekCloser, error) {
	fl, err := b.startFill(id)
	if err != nil || fl == nil {
		if err == nil { // the fill ended before this open began
			return b.openLocal(id)
		}
		return nil, err
	}
	return &fillReader{fl: fl, end: end}, nil
}

func (b *blobs) openLocal(id string) (io.ReadSeekCloser, error) {
	f, err := os.Open(b.path(id))
	if err != nil {
		return nil, fmt.Errorf("open blob: %w", err)
	}
	return f, nil
}

// startFill joins the fill of id or starts one, and holds a reference to
// it for the caller. It returns nil when the file is in place already.
func (b *blobs) startFill(id string) (*fill, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if fl := b.fills[id]; fl != nil {
		fl.mu.Lock()
		fl.refs++
		fl.mu.Unlock()
		return fl, nil
	}
	if _, err := os.Stat(b.path(id)); err == nil {
		return nil, nil
	}
	f, err := os.CreateTemp(b.tmp, "fill-*")
	if err != nil {
		return nil, fmt.Errorf("fill blob: %w", err)
	}
	fl := &fill{f: f, refs: 2, changed: make(chan struct{})}
	b.fills[id] = fl
	b.fillWG.Go(func() { b.runFill(id, fl) })
	return fl, nil
}

// runFill copies the object into the fill's file and places it.
func (b *blobs) runFill(id string, fl *fill) {
	err := b.copyObject(id, fl)
	if err == nil {
		err = fl.f.Sync()
	}
	if err == nil {
		err = b.place(fl.f.Name(), id, os.Rename)
	}
	if err != nil {
		os.Remove(fl.f.Name())
	}
	b.mu.Lock()
	delete(b.fills, id)
	dropped := fl.dropped
	b.mu.Unlock()
	if dropped && err == nil {
		os.Remove(b.path(id))
	}
	fl.finish(err)
}

// fillIdle is how long a fill waits for the object store's next bytes
// before it fails, and its readers with it, rather than hang: a read of
// the store that times out returns nothing and no error, to be tried
// again, until its context ends.
const fillIdle = 30 * time.Second

// fillTries is how many times a fill reads an object whose read ends
// corrupt (store.ErrCorrupt: in a cluster, a read through a replica a
// moment behind).
const fillTries = 3

// copyObject copies the object into the fill's file.
func (b *blobs) copyObject(id string, fl *fill) error {
	for try := 1; ; try++ {
		err := b.copyOnce(id, fl)
		if !errors.Is(err, store.ErrCorrupt) || try == fillTries {
			return err
		}
	}
}

// copyOnce reads the object from its start: the bytes the fill has from
// a read that ended corrupt must be the same (readers may have had them;
// if they differ the fill fails, and its readers with it, rather than
// keep them), the rest is appended.
func (b *blobs) copyOnce(id string, fl *fill) error {
	ctx, cancel := context.WithCancel(b.fillCtx)
	defer cancel()
	idle := time.AfterFunc(fillIdle, cancel)
	defer idle.Stop()
	r, err := b.objects.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("fetch blob %s: %w", id, err)
	}
	defer r.Close()
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	have, off := fl.size(), int64(0)
	for {
		n, err := r.Read(*buf)
		if n > 0 {
			idle.Reset(fillIdle)
		}
		p := (*buf)[:n]
		if off < have { // already in the file: compare
			k := min(int64(n), have-off)
			if err := fl.same(p[:k], off); err != nil {
				return fmt.Errorf("fill blob %s: %w", id, err)
			}
			p, off = p[k:], off+k
		}
		if len(p) > 0 {
			if _, werr := fl.f.Write(p); werr != nil {
				return fmt.Errorf("fill blob %s: %w", id, werr)
			}
			off += int64(len(p))
			fl.grew(int64(len(p)))
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("fetch blob %s: %w", id, err)
		}
	}
}

// same checks that the file has p at off.
func (fl *fill) same(p []byte, off int64) error {
	had := make([]byte, len(p))
	if _, err := fl.f.ReadAt(had, off); err != nil {
		return err
	}
	if !bytes.Equal(had, p) {
		return errors.New("a second read of the object gave other bytes")
	}
	return nil
}

func (fl *fill) grew(n int64) {
	fl.mu.Lock()
	fl.n += n
	close(fl.changed)
	fl.changed = make(chan struct{})
	fl.mu.Unlock()
}

func (fl *fill) finish(err error) {
	fl.mu.Lock()
	fl.done, fl.err = true, err
	close(fl.changed)
	fl.changed = make(chan struct{})
	fl.mu.Unlock()
	fl.release()
}

func (fl *fill) release() {
	fl.mu.Lock()
	fl.refs--
	last := fl.refs == 0
	fl.mu.Unlock()
	if last {
		fl.f.Close()
	}
}

// until waits until the fill has bytes past off that a read ending at end
// may have, or ended, and returns how many it may have; the error is the
// fill's failure. The last byte of the read waits for the fill's end: the
// object store checks an object's digest when its read ends, and a read
// that ends corrupt (through a replica a moment behind) may have given
// other bytes, which a reader that had them all would keep.
func (fl *fill) until(off, end int64) (int64, bool, error) {
	for {
		fl.mu.Lock()
		n, done, err, changed := fl.n, fl.done, fl.err, fl.changed
		fl.mu.Unlock()
		if err != nil {
			return 0, true, err
		}
		if !done {
			n = min(n, end-1)
		}
		if n > off || done {
			return n, done, nil
		}
		<-changed
	}
}

// fillReader reads a blob being filled, up to end.
type fillReader struct {
	fl       *fill
	off, end int64
	closed   bool
}

func (r *fillReader) Read(p []byte) (int, error) {
	n, done, err := r.fl.until(r.off, r.end)
	if err != nil {
		return 0, err
	}
	if r.off >= n && done {
		return 0, io.EOF
	}
	m, err := r.fl.f.ReadAt(p[:min(int64(len(p)), n-r.off)], r.off)
	r.off += int64(m)
	if errors.Is(err, io.EOF) && m > 0 {
		err = nil
	}
	return m, err
}

// Seek moves from the start or the current offset (the size is unknown
// until the fill ends).
func (r *fillReader) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += r.off
	default:
		return 0, errors.New("fill: seek from the end")
	}
	if off < 0 {
		return 0, errors.New("fill: negative offset")
	}
	r.off = off
	return off, nil
}

func (r *fillReader) Close() error {
	if !r.closed {
		r.closed = true
		r.fl.release()
	}
	return nil
}

// ensureLocal makes blob id a file of this node, waiting for its fill
// (a hard link needs the whole file).
func (b *blobs) ensureLocal(ctx context.Context, id string) error {
	if _, err := os.Stat(b.path(id)); err == nil || !errors.Is(err, fs.ErrNotExist) || b.objects == nil {
		return err
	}
	fl, err := b.startFill(id)
	if err != nil || fl == nil {
		return err
	}
	defer fl.release()
	return fl.wait(ctx)
}

// wait returns once the fill ended, with its failure, or ctx's.
func (fl *fill) wait(ctx context.Context) error {
	for {
		fl.mu.Lock()
		done, err, changed := fl.done, fl.err, fl.changed
		fl.mu.Unlock()
		if done {
			return err
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// stopFills ends the fills under way and waits for them.
func (b *blobs) stopFills() {
	b.fillStop()
	b.fillWG.Wait()
}

func (fl *fill) size() int64 {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	return fl.n
}
