package code

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/nubo-dev/nubo/internal/store"
)

// Packages stores deployment packages in an object store and extracts them
// into dir/<key>, once per package, for environments to run from.
type Packages struct {
	objects store.Objects
	dir     string

	mu       sync.Mutex
	inflight map[string]*extraction
}

type extraction struct {
	done chan struct{}
	err  error
}

// NewPackages returns Packages over objects, extracting under dir.
func NewPackages(objects store.Objects, dir string) *Packages {
	return &Packages{objects: objects, dir: dir, inflight: map[string]*extraction{}}
}

// Save checks a zip and stores it under its content address.
func (p *Packages) Save(ctx context.Context, data []byte) (Package, error) {
	pkg, err := Inspect(data)
	if err != nil {
		return Package{}, err
	}
	if err := p.objects.Put(ctx, pkg.Key(), bytes.NewReader(data)); err != nil {
		return Package{}, fmt.Errorf("save package: %w", err)
	}
	return pkg, nil
}

// Open returns the zip stored under key.
func (p *Packages) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	return p.objects.Get(ctx, key)
}

// Inspect reads back the package stored under key and measures it.
func (p *Packages) Inspect(ctx context.Context, key string) (Package, error) {
	data, err := p.read(ctx, key)
	if err != nil {
		return Package{}, err
	}
	return Inspect(data)
}

// readTries is how many times read reads a package whose read ends
// corrupt (store.ErrCorrupt: in a cluster, a read through a replica a
// moment behind the node that stored it).
const readTries = 3

// read reads the whole package stored under key.
func (p *Packages) read(ctx context.Context, key string) ([]byte, error) {
	for try := 1; ; try++ {
		rc, err := p.objects.Get(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("read package %s: %w", key, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err == nil {
			return data, nil
		}
		if !errors.Is(err, store.ErrCorrupt) || try == readTries {
			return nil, fmt.Errorf("read package %s: %w", key, err)
		}
	}
}

// Remove deletes a package and its extracted directory.
func (p *Packages) Remove(ctx context.Context, key string) error {
	if err := os.RemoveAll(filepath.Join(p.dir, key)); err != nil {
		return fmt.Errorf("remove extracted package: %w", err)
	}
	if err := p.objects.Delete(ctx, key); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("remove package: %w", err)
	}
	return nil
}

// Extract makes sure the package is extracted and returns its directory.
// Concurrent calls for one key share a single extraction.
func (p *Packages) Extract(ctx context.Context, key string) (string, error) {
	dir := filepath.Join(p.dir, key)
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	p.mu.Lock()
	x, running := p.inflight[key]
	if !running {
		x = &extraction{done: make(chan struct{})}
		p.inflight[key] = x
		go func() {
			// Detached from ctx: other callers may be waiting for the result.
			x.err = p.extract(context.WithoutCancel(ctx), key, dir)
			p.mu.Lock()
			delete(p.inflight, key)
			p.mu.Unlock()
			close(x.done)
		}()
	}
	p.mu.Unlock()
	select {
	case <-x.done:
		return dir, x.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (p *Packages) extract(ctx context.Context, key, dir string) error {
	data, err := p.read(ctx, key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(p.dir, ".extract-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := unzipTo(data, tmp); err != nil {
		if errors.Is(err, syscall.ENOSPC) {
			return fmt.Errorf("extract package %s: %w: the disk of %s is full: %w", key, store.ErrUnavailable, p.dir, err)
		}
		return fmt.Errorf("extract package %s: %w", key, err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("extract package %s: %w", key, err)
	}
	return nil
}

func unzipTo(data []byte, dir string) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	// Saved packages were inspected; checked again because a path that
	// leaves dir must never be written, whatever the source.
	if err := checkLinkPaths(zr.File); err != nil {
		return err
	}
	for _, f := range zr.File {
		if err := checkEntryName(f.Name); err != nil {
			return err
		}
		if err := writeEntry(f, dir); err != nil {
			return err
		}
	}
	return nil
}

func writeEntry(f *zip.File, dir string) error {
	name := filepath.FromSlash(strings.ReplaceAll(f.Name, `\`, "/"))
	target := filepath.Join(dir, name)
	mode := f.Mode()
	if f.FileInfo().IsDir() {
		return os.MkdirAll(target, 0o755)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	if mode&fs.ModeSymlink != 0 {
		return writeSymlink(rc, target)
	}
	perm := mode.Perm()
	if perm == 0 {
		perm = 0o644 // packages built on systems without Unix modes
	}
	if perm&0o111 != 0 {
		// A child forked while the file is open for writing would hold it
		// so until it execs, and executing the file meanwhile fails with
		// "text file busy" (golang/go#22315): no fork until it is closed.
		syscall.ForkLock.RLock()
		defer syscall.ForkLock.RUnlock()
	}
	out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm|0o400)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, rc); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// writeSymlink creates a link; Inspect has checked that it stays inside.
func writeSymlink(rc io.Reader, target string) error {
	dest, err := io.ReadAll(io.LimitReader(rc, 4096))
	if err != nil {
		return err
	}
	return os.Symlink(string(dest), target)
}
