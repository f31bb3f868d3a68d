package s3

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"

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
			r, err := b.open(bg, id)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
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
