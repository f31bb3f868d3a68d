package s3

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// flakyObjects is a store.Objects whose reads of an object follow reads:
// each Get takes the next one (the last one again when none is left).
type flakyObjects struct {
	mu    sync.Mutex
	reads []func() io.Reader
	gets  int
}

// corruptAfter reads p then fails as a read through a lagging replica
// does.
func corruptAfter(p []byte) func() io.Reader {
	return func() io.Reader { return io.MultiReader(bytes.NewReader(p), errReader{store.ErrCorrupt}) }
}

func whole(p []byte) func() io.Reader { return func() io.Reader { return bytes.NewReader(p) } }

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func (f *flakyObjects) Get(context.Context, string) (io.ReadCloser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.reads[min(f.gets, len(f.reads)-1)]
	f.gets++
	return io.NopCloser(r()), nil
}

func (f *flakyObjects) Put(context.Context, string, io.Reader) error { return errors.New("read only") }
func (f *flakyObjects) Delete(context.Context, string) error         { return nil }
func (f *flakyObjects) Names(context.Context) ([]string, error)      { return nil, nil }

func TestFillReadsAgain(t *testing.T) {
	data := randomBytes(1<<20, 9)
	id := newBlobID()
	for _, c := range []struct {
		name  string
		reads []func() io.Reader
		ok    bool
	}{
		{"whole", []func() io.Reader{whole(data)}, true},
		{"short, then whole", []func() io.Reader{corruptAfter(data[:300000]), whole(data)}, true},
		{"short twice, then whole", []func() io.Reader{corruptAfter(data[:1000]), corruptAfter(data[:500000]), whole(data)}, true},
		{"always short", []func() io.Reader{corruptAfter(data[:1000])}, false},
		{"other bytes the second time", []func() io.Reader{corruptAfter(data[:1000]), whole(bytes.Repeat([]byte("x"), len(data)))}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := openBlobs(t.TempDir(), nil, &flakyObjects{reads: c.reads})
			if err != nil {
				t.Fatal(err)
			}
			defer b.stopFills()
			r, err := b.open(bg, id, int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			got := make([]byte, len(data))
			_, err = io.ReadFull(r, got)
			r.Close()
			if c.ok != (err == nil) || c.ok && !bytes.Equal(got, data) {
				t.Fatalf("read %d bytes, %v (want ok %v)", len(got), err, c.ok)
			}
			b.fillWG.Wait()
			local, err := b.openLocal(id)
			if c.ok != (err == nil) {
				t.Fatalf("local copy: %v (want one %v)", err, c.ok)
			}
			if local != nil {
				local.Close()
			}
		})
	}
}

// TestFillReaderWaitsForTheDigest reads exactly an object's size, as
// ObjectReader does, so only the fill sees the end of the store's read
// and its digest: the reader's last byte waits for it, and a read that
// gave other bytes and ended corrupt fails the reader.
func TestFillReaderWaitsForTheDigest(t *testing.T) {
	data := randomBytes(1<<20, 9)
	release := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(release) }) }
	other := func() io.Reader {
		return io.MultiReader(bytes.NewReader(bytes.Repeat([]byte("x"), len(data))), gatedErr{release, store.ErrCorrupt})
	}
	b, err := openBlobs(t.TempDir(), nil, &flakyObjects{reads: []func() io.Reader{other, whole(data)}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.stopFills()
	defer open() // first: stopFills waits for the fill
	id := newBlobID()
	r, err := b.open(bg, id, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	read := make(chan error, 1)
	go func() {
		_, err := io.ReadFull(r, make([]byte, len(data)))
		read <- err
	}()
	fl := r.(*fillReader).fl
	for fl.size() < int64(len(data)) {
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-read:
		t.Fatalf("the reader had all the bytes (%v) before the store's read ended", err)
	case <-time.After(100 * time.Millisecond):
	}
	open()
	if err := <-read; err == nil {
		t.Fatal("the reader kept the bytes of a read that ended corrupt")
	}
}

// gatedErr fails with err once release is closed.
type gatedErr struct {
	release chan struct{}
	err     error
}

func (g gatedErr) Read([]byte) (int, error) {
	<-g.release
	return 0, g.err
}
