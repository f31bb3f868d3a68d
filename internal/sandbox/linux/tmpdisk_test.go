package linux

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestTmpDiskReuse checks that a /tmp filesystem goes back to the next
// sandbox empty: no entries, no extended attributes on its root, mode 700,
// the new owner's, all its blocks free.
func TestTmpDiskReuse(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	disks, err := newTmpDisks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer disks.close()
	d, err := disks.get(64, 1234)
	if err != nil {
		t.Fatal(err)
	}
	var before unix.Statfs_t
	unix.Statfs(d.root, &before)
	big := make([]byte, 8<<20)
	for _, name := range []string{"a", ".hidden", "dir/sub/b"} {
		p := filepath.Join(d.root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, big, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(filepath.Join(d.root, "dir"), 0)
	if err := unix.Setxattr(d.root, "user.note", []byte("left behind"), 0); err != nil {
		t.Fatal(err)
	}
	os.Chmod(d.root, 0o777)
	disks.put(d)
	again, err := disks.get(64, 5678)
	if err != nil {
		t.Fatal(err)
	}
	defer again.close()
	if again != d {
		t.Fatal("the emptied filesystem was not reused")
	}
	entries, _ := os.ReadDir(d.root)
	if len(entries) != 0 {
		t.Errorf("entries left: %v", entries)
	}
	buf := make([]byte, 256)
	if n, _ := unix.Listxattr(d.root, buf); n != 0 {
		t.Errorf("extended attributes left on the root: %q", buf[:n])
	}
	var st unix.Stat_t
	unix.Stat(d.root, &st)
	if st.Mode&0o7777 != 0o700 || st.Uid != 5678 {
		t.Errorf("root mode %o uid %d, want 700 and 5678", st.Mode&0o7777, st.Uid)
	}
	var after unix.Statfs_t
	unix.Statfs(d.root, &after)
	if after.Bfree != before.Bfree {
		t.Errorf("free blocks %d after emptying, %d before", after.Bfree, before.Bfree)
	}
}
