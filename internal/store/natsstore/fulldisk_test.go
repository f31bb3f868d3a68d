package natsstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// mountTmpfs mounts a tmpfs of size bytes on a new directory, for tests of
// a full disk; it skips the test when it cannot (not root).
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		t.Skipf("full-disk test needs a tmpfs (root): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// fill writes a file that leaves about leave bytes free on dir's disk.
func fill(t *testing.T, dir string, leave uint64) string {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	free := st.Bavail * uint64(st.Bsize)
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for written := uint64(0); written+leave < free; written += uint64(len(buf)) {
		n := min(uint64(len(buf)), free-leave-written)
		if _, err := f.Write(buf[:n]); err != nil {
			break // the disk is full
		}
	}
	return path
}

// eventually retries op until it succeeds, within 20 s.
func eventually(t *testing.T, what string, op func() error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := op()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still failing after 20 s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// On a nearly full disk, writes are refused with ErrUnavailable before
// JetStream runs out, deletions still work, and writes work again once
// there is room. On a disk filled to the last byte by someone else,
// JetStream's failed streams are reloaded once there is room, without a
// restart.
func TestFullDisk(t *testing.T) {
	dir := mountTmpfs(t, 32<<20)
	ctx := context.Background()
	s, err := Open(ctx, Options{Dir: dir, WriteTimeout: time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tb, err := s.Table(ctx, "T", "t")
	if err != nil {
		t.Fatal(err)
	}
	kv, err := s.KV(ctx, "kv")
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Stream(ctx, "S", "s", StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "old", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := tb.Write(store.Row{Key: "old", Value: []byte("x")}).Wait(ctx); err != nil {
		t.Fatal(err)
	}
	writes := map[string]func() error{
		"table write":  func() error { return tb.Write(store.Row{Key: "new", Value: make([]byte, 1000)}).Wait(ctx) },
		"kv put":       func() error { _, err := kv.Put(ctx, "new", make([]byte, 1000)); return err },
		"stream store": func() error { return st.Store(ctx, "s.a", make([]byte, 1000)) },
	}

	filler := fill(t, dir, 1<<20) // below the reserve (a tenth of 32 MB)
	s.space.refresh()
	for what, write := range writes {
		if err := write(); !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s on a full disk: got %v, want ErrUnavailable", what, err)
		}
	}
	if err := kv.Delete(ctx, "old"); err != nil {
		t.Errorf("kv delete on a full disk: %v", err)
	}
	if err := tb.Write(store.Row{Key: "old"}).Wait(ctx); err != nil {
		t.Errorf("table delete on a full disk: %v", err)
	}
	if err := st.Purge(ctx, "s.>", time.Time{}); err != nil {
		t.Errorf("stream purge on a full disk: %v", err)
	}
	os.Remove(filler)
	for what, write := range writes {
		eventually(t, what+" once there is room", write)
	}

	// Filled to the last byte: JetStream's writes fail and its streams
	// stop; they come back once there is room.
	filler = fill(t, dir, 0)
	s.space.refresh()
	s.space.mu.Lock()
	s.space.reserve = 0 // as if nubo had not seen it coming
	s.space.checked = time.Now().Add(time.Hour)
	s.space.mu.Unlock()
	for i := 0; i < 20; i++ {
		st.Append("s.fill", make([]byte, 64<<10))
	}
	if err := st.Flush(ctx); err == nil {
		t.Error("appends to a disk with no byte free: got no error")
	}
	os.Remove(filler)
	s.space.refresh()
	for what, write := range writes {
		eventually(t, what+" after JetStream ran out of disk", write)
	}
}
