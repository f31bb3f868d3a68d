package linux

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// share is the driver's own tmpfs, mounted in no mount namespace (a
// detached mount from fsmount), that holds what sandboxes see of the
// host's files: their /etc, their user files, and copies of the runtime
// clients and of each function's code. A mount cloned from it shows its
// path inside this filesystem ("/etc", "/code/3") as its root in the
// sandbox's /proc/self/mountinfo, where a bind mount of a host directory
// shows the host's path, the data directory included (issue 14 #14).
//
// Copies of directories are made on first use and shared by every sandbox
// of that directory; one no sandbox uses is kept while fewer than
// maxUnusedCopies others are, so that a function that scales to zero and
// back is not copied again. Their pages are nubo's memory, not the
// sandboxes'.
type share struct {
	fd   int    // the detached mount
	root string // /proc/self/fd/N: its root, from nubo's own threads only

	mu     sync.Mutex
	seq    int
	copies map[copyKey]*dirCopy
	unused []*dirCopy // oldest first
}

// copyKey names a host directory as it is now: a directory replaced at the
// same path is copied anew.
type copyKey struct {
	path     string
	dev, ino uint64
	mtime    int64
}

type dirCopy struct {
	key   copyKey
	name  string        // path inside the share
	ready chan struct{} // closed once copied (err says how)
	err   error
	refs  int
}

const maxUnusedCopies = 16

func newShare() (*share, error) {
	fsfd, err := unix.Fsopen("tmpfs", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("fsopen tmpfs: %w", err)
	}
	defer unix.Close(fsfd)
	for k, v := range map[string]string{"source": "nubo", "mode": "0755"} {
		if err := unix.FsconfigSetString(fsfd, k, v); err != nil {
			return nil, fmt.Errorf("configure tmpfs %s: %w", k, err)
		}
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return nil, fmt.Errorf("create tmpfs: %w", err)
	}
	fd, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV)
	if err != nil {
		return nil, fmt.Errorf("fsmount tmpfs: %w", err)
	}
	s := &share{fd: fd, root: "/proc/self/fd/" + strconv.Itoa(fd), copies: map[copyKey]*dirCopy{}}
	for _, dir := range []string{"users", "copies"} {
		if err := os.Mkdir(s.path(dir), 0o755); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("create %s: %w", dir, err)
		}
	}
	return s, nil
}

// path is where nubo's own threads find name; a thread in a sandbox's
// namespaces sees another /proc.
func (s *share) path(name string) string { return filepath.Join(s.root, name) }

func (s *share) close() error { return unix.Close(s.fd) }

// acquire returns the name of a copy of the host directory dir, making
// it on first use. release gives it back.
func (s *share) acquire(dir string) (name string, release func(), err error) {
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		return "", nil, fmt.Errorf("stat %s: %w", dir, err)
	}
	key := copyKey{path: dir, dev: st.Dev, ino: st.Ino, mtime: st.Mtim.Nano()}
	s.mu.Lock()
	c := s.copies[key]
	first := c == nil
	if first {
		s.seq++
		c = &dirCopy{key: key, name: "copies/" + strconv.Itoa(s.seq), ready: make(chan struct{})}
		s.copies[key] = c
	}
	if c.refs == 0 {
		s.unused = deleteCopy(s.unused, c)
	}
	c.refs++
	s.mu.Unlock()
	if first {
		c.err = copyTree(dir, s.path(c.name))
		close(c.ready)
	}
	<-c.ready
	if c.err != nil {
		s.release(c)
		return "", nil, fmt.Errorf("copy %s: %w", dir, c.err)
	}
	return c.name, func() { s.release(c) }, nil
}

// release gives back a reference to c, and removes the copies that are
// no longer kept.
func (s *share) release(c *dirCopy) {
	s.mu.Lock()
	var drop []*dirCopy
	if c.refs--; c.refs == 0 {
		if c.err != nil {
			drop = append(drop, c)
		} else {
			s.unused = append(s.unused, c)
		}
		for len(s.unused) > maxUnusedCopies {
			drop = append(drop, s.unused[0])
			s.unused = s.unused[1:]
		}
		for _, d := range drop {
			if s.copies[d.key] == d {
				delete(s.copies, d.key)
			}
		}
	}
	s.mu.Unlock()
	for _, d := range drop {
		os.RemoveAll(s.path(d.name)) // nothing refers to it any more
	}
}

func deleteCopy(list []*dirCopy, c *dirCopy) []*dirCopy {
	for i, x := range list {
		if x == c {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}

// mountAt mounts the share's name at dst, read-only, nosuid and nodev. It
// runs in the sandbox's mount namespace.
func (s *share) mountAt(name, dst string) error {
	tree, err := unix.OpenTree(s.fd, name, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return fmt.Errorf("clone %s: %w", name, err)
	}
	defer unix.Close(tree)
	if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH, &unix.MountAttr{Attr_set: roAttrs}); err != nil {
		return fmt.Errorf("make %s read-only: %w", name, err)
	}
	if err := unix.MoveMount(tree, "", unix.AT_FDCWD, dst, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return fmt.Errorf("mount %s: %w", name, err)
	}
	return nil
}
