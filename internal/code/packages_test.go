package code_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/nubo-dev/nubo/internal/code"
	"github.com/nubo-dev/nubo/internal/store"
)

// memObjects is an in-memory store.Objects.
type memObjects struct {
	mu      sync.Mutex
	data    map[string][]byte
	gets    int
	corrupt int // how many reads to come end short with store.ErrCorrupt
}

func (m *memObjects) Put(_ context.Context, name string, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data[name] = b
	return nil
}

func (m *memObjects) Get(_ context.Context, name string) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gets++
	b, ok := m.data[name]
	if !ok {
		return nil, store.ErrNotFound
	}
	if m.corrupt > 0 {
		m.corrupt--
		return io.NopCloser(io.MultiReader(bytes.NewReader(b[:len(b)/2]), iotest.ErrReader(store.ErrCorrupt))), nil
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (m *memObjects) Delete(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.data[name]; !ok {
		return store.ErrNotFound
	}
	delete(m.data, name)
	return nil
}

func (m *memObjects) Names(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var names []string
	for name := range m.data {
		names = append(names, name)
	}
	return names, nil
}

func TestExtract(t *testing.T) {
	ctx := context.Background()
	objects := &memObjects{data: map[string][]byte{}}
	dir := filepath.Join(t.TempDir(), "code")
	p := code.NewPackages(objects, dir)
	zipped := zipOf(t,
		entry{name: "bootstrap", content: "#!/bin/sh\necho hi\n", mode: 0o755},
		entry{name: "lib/data.txt", content: "data"},
		entry{name: "lib/current", content: "data.txt", mode: fs.ModeSymlink},
	)
	pkg, err := p.Save(ctx, zipped)
	if err != nil {
		t.Fatal(err)
	}

	// Concurrent callers share one extraction.
	var wg sync.WaitGroup
	dirs := make([]string, 8)
	errs := make([]error, 8)
	for i := range dirs {
		wg.Go(func() { dirs[i], errs[i] = p.Extract(ctx, pkg.Key()) })
	}
	wg.Wait()
	for i := range dirs {
		if errs[i] != nil || dirs[i] != filepath.Join(dir, pkg.Key()) {
			t.Fatalf("Extract: got %q, %v; want %q", dirs[i], errs[i], filepath.Join(dir, pkg.Key()))
		}
	}
	if objects.gets > 2 {
		t.Errorf("%d concurrent extractions read the package %d times", len(dirs), objects.gets)
	}
	root := dirs[0]
	info, err := os.Stat(filepath.Join(root, "bootstrap"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm()&0o100 == 0 {
		t.Errorf("bootstrap mode %v is not executable", info.Mode())
	}
	got, err := os.ReadFile(filepath.Join(root, "lib", "current"))
	if err != nil || string(got) != "data" {
		t.Errorf("through the link: got %q, %v; want %q", got, err, "data")
	}

	rc, err := p.Open(ctx, pkg.Key())
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(stored, zipped) {
		t.Error("Open returns other bytes than were saved")
	}

	if err := p.Remove(ctx, pkg.Key()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(root); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("extracted directory after Remove: %v", err)
	}
	if _, err := p.Open(ctx, pkg.Key()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Open after Remove: got %v, want store.ErrNotFound", err)
	}
}

// A package that got into the store unchecked is still never extracted
// outside its directory.
func TestExtractRefusesEscapes(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		zip  []byte
	}{
		{"parent", zipOf(t, entry{name: "../evil", content: "x"})},
		{"through links", zipOf(t, entry{name: "y", content: ".", mode: fs.ModeSymlink}, entry{name: "x", content: "y/..", mode: fs.ModeSymlink}, entry{name: "x/evil", content: "x"})},
		{"onto a link", zipOf(t, entry{name: "y", content: ".", mode: fs.ModeSymlink}, entry{name: "x", content: "y/../evil", mode: fs.ModeSymlink}, entry{name: "x", content: "x"})},
	} {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			dir := filepath.Join(base, "code")
			objects := &memObjects{data: map[string][]byte{"0000": tt.zip}}
			p := code.NewPackages(objects, dir)
			if _, err := p.Extract(ctx, "0000"); err == nil {
				t.Error("Extract succeeded")
			}
			for _, path := range []string{filepath.Join(base, "evil"), filepath.Join(dir, "evil")} {
				if _, err := os.Lstat(path); err == nil {
					t.Errorf("extraction wrote %s", path)
				}
			}
		})
	}
}

// A read that ends corrupt (a replica behind, in a cluster) is read
// again; one that stays corrupt fails.
func TestExtractReadsACorruptPackageAgain(t *testing.T) {
	ctx := context.Background()
	objects := &memObjects{data: map[string][]byte{}}
	p := code.NewPackages(objects, filepath.Join(t.TempDir(), "code"))
	pkg, err := p.Save(ctx, zipOf(t, entry{name: "bootstrap", content: "#!/bin/sh\n", mode: 0o755}))
	if err != nil {
		t.Fatal(err)
	}
	objects.corrupt = 2
	if _, err := p.Extract(ctx, pkg.Key()); err != nil {
		t.Fatalf("extract after two corrupt reads: %v", err)
	}
	objects.corrupt = 3
	if _, err := p.Inspect(ctx, pkg.Key()); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("inspect after three corrupt reads: %v, want ErrCorrupt", err)
	}
}
