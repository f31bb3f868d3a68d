package s3

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

func blobFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(filepath.Join(dir, "blobs"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

// Objects up to inlineMax live in the KV store, larger ones in files;
// both read back whole, in ranges and in copies, and an inline value no
// version names is removed at start.
func TestInlineBlobs(t *testing.T) {
	f := newFixture(t)
	f.createBucket("inline")
	small, large := strings.Repeat("s", inlineMax), strings.Repeat("L", inlineMax+1)
	f.put("inline", "small", small)
	if n := blobFiles(t, f.dir); n != 0 {
		t.Fatalf("a %d-byte object made %d files", len(small), n)
	}
	f.put("inline", "large", large)
	if n := blobFiles(t, f.dir); n != 1 {
		t.Fatalf("a %d-byte object made %d files", len(large), n)
	}
	if _, err := f.svc.CopyObject(bg, &CopyObjectInput{Bucket: "inline", Key: "copy", CopySource: "inline/small"}); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"small": small, "large": large, "copy": small} {
		if got, _ := f.get(&GetObjectInput{Bucket: "inline", Key: key}); got != want {
			t.Errorf("%s: %d bytes back", key, len(got))
		}
	}
	if got, _ := f.get(&GetObjectInput{Bucket: "inline", Key: "small", Range: "bytes=10-19"}); got != small[10:20] {
		t.Errorf("range of an inline object: %q", got)
	}
	orphan, err := f.svc.blobs.putInline(bg, []byte("nobody names me"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.DeleteObject(bg, &DeleteObjectInput{Bucket: "inline", Key: "copy"}); err != nil {
		t.Fatal(err)
	}
	f.restart()
	if _, err := f.svc.blobs.getInline(bg, orphan); err == nil {
		t.Error("an orphan inline blob survived the start")
	}
	if got, _ := f.get(&GetObjectInput{Bucket: "inline", Key: "small"}); got != small {
		t.Errorf("after restart: %d bytes", len(got))
	}
}
