package s3

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"time"
)

// ObjectReader streams a range of an object from its files, opening each
// part's file when it gets there. Its blobs stay pinned (not removed, even
// if the version is deleted meanwhile) until Close. WriteTo hands each
// file to the writer as an io.LimitedReader of an *os.File, so an
// http.ResponseWriter can send it with sendfile; inline segments are read
// from the store when reached.
type ObjectReader struct {
	b    *blobs
	ids  []string
	segs []segment
	seg  int   // current segment
	off  int64 // offset in it
	left int64 // bytes still to read

	mu     sync.Mutex
	f      io.ReadSeekCloser // the current segment's file (or inline bytes)
	closed bool
}

// openTimeout bounds reading an inline segment from the store.
const openTimeout = 30 * time.Second

func newObjectReader(b *blobs, v *version, r byteRange) *ObjectReader {
	return &ObjectReader{b: b, ids: v.blobs(), segs: v.Segments, off: r.Start, left: r.Length}
}

// next returns the open file of the current segment and how much of it is
// left to read, moving past exhausted segments.
func (o *ObjectReader) next() (io.ReadSeekCloser, int64, error) {
	for o.seg < len(o.segs) && o.off >= o.segs[o.seg].Size {
		o.closeFile()
		o.off -= o.segs[o.seg].Size
		o.seg++
	}
	if o.seg >= len(o.segs) {
		return nil, 0, io.ErrUnexpectedEOF
	}
	n := min(o.segs[o.seg].Size-o.off, o.left)
	if o.f == nil {
		ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
		f, err := o.b.open(ctx, o.segs[o.seg].Blob, o.off+n)
		cancel()
		if err != nil {
			return nil, 0, err
		}
		if _, err := f.Seek(o.off, io.SeekStart); err != nil {
			f.Close()
			return nil, 0, err
		}
		o.f = f
	}
	return o.f, n, nil
}

func (o *ObjectReader) Read(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return 0, os.ErrClosed
	}
	if o.left == 0 {
		return 0, io.EOF
	}
	f, n, err := o.next()
	if err != nil {
		return 0, err
	}
	p = p[:min(int64(len(p)), n)]
	m, err := f.Read(p)
	o.off += int64(m)
	o.left -= int64(m)
	if errors.Is(err, io.EOF) {
		if m == 0 {
			return 0, io.ErrUnexpectedEOF // the file is shorter than recorded
		}
		err = nil
	}
	return m, err
}

// WriteTo copies what is left to w, one file at a time.
func (o *ObjectReader) WriteTo(w io.Writer) (int64, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var total int64
	for o.left > 0 {
		if o.closed {
			return total, os.ErrClosed
		}
		f, n, err := o.next()
		if err != nil {
			return total, err
		}
		m, err := io.Copy(w, &io.LimitedReader{R: f, N: n})
		total += m
		o.off += m
		o.left -= m
		if err != nil {
			return total, err
		}
		if m < n {
			return total, io.ErrUnexpectedEOF
		}
	}
	return total, nil
}

func (o *ObjectReader) closeFile() {
	if o.f != nil {
		o.f.Close()
		o.f = nil
	}
}

// Close closes the open file and unpins the object's blobs.
func (o *ObjectReader) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil
	}
	o.closed = true
	o.closeFile()
	o.b.unpin(o.ids)
	return nil
}
