package linux

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A sandbox's /tmp is an ext4 filesystem of EphemeralMB in a file of the
// state directory, attached to a loop device: its pages are page cache that
// the kernel writes back to disk under memory pressure, so a 128 MB
// function can fill a 512 MB /tmp (a tmpfs's pages count against the
// memory limit and cannot leave it), and a write past the size fails with
// ENOSPC, as on Lambda.
//
// Making one costs a sparse copy of a template (mkfs.ext4 runs once per
// size), a loop device and an ext4 mount, and its end an unmount: about
// 15 ms of the machine's CPU per sandbox, which more than halved the
// driver's start rate. So a filesystem is kept mounted by the driver alone
// (a detached mount, in no namespace) and serves sandboxes in turn: each
// gets a clone of that mount, and when the sandbox is gone the driver
// empties the filesystem (entries, the root's extended attributes and
// ACLs), returns the freed blocks to the host's disk (FITRIM, which the
// loop device turns into holes) and keeps it for the next. The backing
// file is unnamed (O_TMPFILE): its blocks are freed once the loop device
// lets go, whether nubo closed the filesystem or crashed.
type tmpDisks struct {
	dir string // templates and the unnamed files live here

	mu        sync.Mutex
	templates map[int]string     // size in MB to template path
	free      map[int][]*tmpDisk // emptied filesystems by size
}

// tmpDisk is one /tmp filesystem.
type tmpDisk struct {
	sizeMB int
	mnt    int    // the detached mount
	root   string // /proc/self/fd/N: its root, from nubo's own threads only
}

// maxFreeDisks bounds the emptied filesystems kept per size.
const maxFreeDisks = 64

// mkfsArgs make a filesystem that costs no writes beyond its metadata:
// no journal (the data is thrown away with the sandbox), no reserved
// blocks, and inode tables left unzeroed (the file is sparse, so they read
// as zeros; the mount's noinit_itable keeps the kernel from zeroing them).
// An inode per 16 KB (32,768 in 512 MB) leaves about 98% of the size for
// data; mke2fs would take one per 4 KB below 512 MB.
var mkfsArgs = []string{"-q", "-F", "-t", "ext4", "-b", "4096", "-m", "0", "-i", "16384", "-I", "256",
	"-O", "^has_journal,^resize_inode", "-E", "nodiscard,lazy_itable_init=1"}

// pooledTmpMB is the size of the /tmp that prepared sandboxes get:
// Lambda's default EphemeralStorage.
const pooledTmpMB = 512

func newTmpDisks(dir string) (*tmpDisks, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create tmp disk dir: %w", err)
	}
	return &tmpDisks{dir: dir, templates: map[int]string{}, free: map[int][]*tmpDisk{}}, nil
}

// template returns the path of an empty filesystem of sizeMB, making it
// the first time.
func (t *tmpDisks) template(sizeMB int) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p, ok := t.templates[sizeMB]; ok {
		return p, nil
	}
	p := filepath.Join(t.dir, "ext4-"+strconv.Itoa(sizeMB)+"m.img")
	f, err := os.Create(p)
	if err != nil {
		return "", fmt.Errorf("create tmp template: %w", err)
	}
	err = f.Truncate(int64(sizeMB) << 20)
	f.Close()
	if err != nil {
		return "", fmt.Errorf("size tmp template: %w", err)
	}
	out, err := exec.Command("mkfs.ext4", append(mkfsArgs, p)...).CombinedOutput()
	if err != nil {
		os.Remove(p)
		return "", fmt.Errorf("mkfs.ext4 for /tmp (e2fsprogs needed): %w: %s", err, out)
	}
	t.templates[sizeMB] = p
	return p, nil
}

// get returns an empty filesystem of sizeMB owned by uid, reused or new.
func (t *tmpDisks) get(sizeMB, uid int) (*tmpDisk, error) {
	t.mu.Lock()
	var d *tmpDisk
	if free := t.free[sizeMB]; len(free) > 0 {
		d, t.free[sizeMB] = free[len(free)-1], free[:len(free)-1]
	}
	t.mu.Unlock()
	if d == nil {
		var err error
		if d, err = t.create(sizeMB); err != nil {
			return nil, err
		}
	}
	if err := os.Chown(d.root, uid, uid); err != nil {
		d.close()
		return nil, fmt.Errorf("chown tmp: %w", err)
	}
	return d, nil
}

// put empties d, once no sandbox uses it, and keeps it for the next; one
// that cannot be emptied is closed.
func (t *tmpDisks) put(d *tmpDisk) {
	if err := d.empty(); err != nil {
		d.close()
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.free[d.sizeMB]) >= maxFreeDisks {
		d.close()
		return
	}
	t.free[d.sizeMB] = append(t.free[d.sizeMB], d)
}

// close closes every kept filesystem.
func (t *tmpDisks) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, list := range t.free {
		for _, d := range list {
			d.close()
		}
	}
	t.free = map[int][]*tmpDisk{}
}

// create makes a new filesystem of sizeMB: a sparse copy of the template,
// a loop device, and a detached mount of it.
func (t *tmpDisks) create(sizeMB int) (*tmpDisk, error) {
	tpl, err := t.template(sizeMB)
	if err != nil {
		return nil, err
	}
	img, err := os.OpenFile(t.dir, unix.O_TMPFILE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create tmp disk: %w", err)
	}
	defer img.Close() // the loop device keeps its own reference
	if err := copySparse(img, tpl); err != nil {
		return nil, fmt.Errorf("copy tmp template: %w", err)
	}
	dev, err := attachLoop(img)
	if err != nil {
		return nil, err
	}
	defer dev.Close() // the filesystem holds the device; closing it clears
	mnt, err := mountDetached(dev.Name())
	if err != nil {
		return nil, err
	}
	d := &tmpDisk{sizeMB: sizeMB, mnt: mnt, root: "/proc/self/fd/" + strconv.Itoa(mnt)}
	if err := os.Remove(filepath.Join(d.root, "lost+found")); err != nil {
		d.close()
		return nil, fmt.Errorf("tidy tmp: %w", err)
	}
	if err := os.Chmod(d.root, 0o700); err != nil {
		d.close()
		return nil, fmt.Errorf("chmod tmp: %w", err)
	}
	return d, nil
}

// mountDetached mounts the ext4 filesystem on dev in no namespace.
func mountDetached(dev string) (int, error) {
	fsfd, err := unix.Fsopen("ext4", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("fsopen ext4: %w", err)
	}
	defer unix.Close(fsfd)
	if err := unix.FsconfigSetString(fsfd, "source", dev); err != nil {
		return -1, fmt.Errorf("configure tmp: %w", err)
	}
	// The file is sparse, so the inode tables the template left unzeroed
	// read as zeros; the kernel need not zero them again.
	if err := unix.FsconfigSetFlag(fsfd, "noinit_itable"); err != nil {
		return -1, fmt.Errorf("configure tmp: %w", err)
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return -1, fmt.Errorf("mount tmp: %w", err)
	}
	mnt, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV)
	if err != nil {
		return -1, fmt.Errorf("mount tmp: %w", err)
	}
	return mnt, nil
}

// fitrim is FITRIM, _IOWR('X', 121, struct fstrim_range).
const fitrim = 0xc0185879

// empty removes everything a sandbox left: every entry, the root's
// extended attributes (ACLs included), and the freed blocks from the
// backing file.
func (d *tmpDisk) empty() error {
	entries, err := os.ReadDir(d.root)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(d.root, e.Name())); err != nil {
			return err
		}
	}
	if err := removeXattrs(d.root); err != nil {
		return err
	}
	if err := os.Chmod(d.root, 0o700); err != nil {
		return err
	}
	fd, err := unix.Open(d.root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	trim := [3]uint64{0, ^uint64(0), 0} // start, len, minlen
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), fitrim, uintptr(unsafe.Pointer(&trim))); errno != 0 {
		return fmt.Errorf("fitrim: %w", errno)
	}
	return nil
}

// removeXattrs removes the extended attributes of the directory at path
// (the magic link of a detached mount's root, so the calls follow links).
func removeXattrs(path string) error {
	buf := make([]byte, 4096)
	n, err := unix.Listxattr(path, buf)
	if err != nil {
		return err
	}
	for _, name := range strings.Split(string(buf[:n]), "\x00") {
		if name == "" {
			continue
		}
		if err := unix.Removexattr(path, name); err != nil {
			return err
		}
	}
	return nil
}

func (d *tmpDisk) close() { unix.Close(d.mnt) }

// mountAt mounts a clone of d at dst. It runs in the sandbox's namespace.
func (d *tmpDisk) mountAt(dst string) error {
	tree, err := unix.OpenTree(d.mnt, "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_EMPTY_PATH)
	if err != nil {
		return fmt.Errorf("clone tmp: %w", err)
	}
	defer unix.Close(tree)
	if err := unix.MoveMount(tree, "", unix.AT_FDCWD, dst, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return fmt.Errorf("mount tmp: %w", err)
	}
	return nil
}

// copySparse copies the data extents of the file at src into dst, leaving
// its holes as holes.
func copySparse(dst *os.File, src string) error {
	s, err := os.Open(src)
	if err != nil {
		return err
	}
	defer s.Close()
	fi, err := s.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	fd := int(s.Fd())
	for off := int64(0); off < size; {
		data, err := unix.Seek(fd, off, unix.SEEK_DATA)
		if err == unix.ENXIO {
			break // only a hole is left
		}
		if err != nil {
			return err
		}
		hole, err := unix.Seek(fd, data, unix.SEEK_HOLE)
		if err != nil {
			return err
		}
		if _, err := io.Copy(io.NewOffsetWriter(dst, data), io.NewSectionReader(s, data, hole-data)); err != nil {
			return err
		}
		off = hole
	}
	return dst.Truncate(size)
}

// attachLoop binds img to a free loop device that clears itself on last
// close, with direct I/O so that the image is not cached twice.
func attachLoop(img *os.File) (*os.File, error) {
	ctl, err := os.OpenFile("/dev/loop-control", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("open loop control: %w", err)
	}
	defer ctl.Close()
	for attempt := 0; ; attempt++ {
		n, err := unix.IoctlRetInt(int(ctl.Fd()), unix.LOOP_CTL_GET_FREE)
		if err != nil {
			return nil, fmt.Errorf("find a free loop device: %w", err)
		}
		dev, err := os.OpenFile("/dev/loop"+strconv.Itoa(n), os.O_RDWR, 0)
		if err != nil {
			return nil, fmt.Errorf("open loop device: %w", err)
		}
		cfg := unix.LoopConfig{Fd: uint32(img.Fd()), Size: 4096,
			Info: unix.LoopInfo64{Flags: unix.LO_FLAGS_AUTOCLEAR | unix.LO_FLAGS_DIRECT_IO}}
		err = unix.IoctlLoopConfigure(int(dev.Fd()), &cfg)
		if err == nil {
			return dev, nil
		}
		dev.Close()
		// Another sandbox (or another program) took it first.
		if !errors.Is(err, unix.EBUSY) || attempt == 10 {
			return nil, fmt.Errorf("configure loop device: %w", err)
		}
	}
}

// replaceTmp mounts d at dst in place of the /tmp mounted there.
func replaceTmp(d *tmpDisk, dst string) error {
	if err := unix.Unmount(dst, unix.MNT_DETACH); err != nil {
		return fmt.Errorf("unmount pooled tmp: %w", err)
	}
	return d.mountAt(dst)
}
