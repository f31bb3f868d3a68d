package linux

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// A sandbox's /tmp is an ext4 filesystem of EphemeralMB in a file of the
// state directory, attached to a loop device: its pages are page cache that
// the kernel writes back to disk under memory pressure, so a 128 MB
// function can fill a 512 MB /tmp (a tmpfs's pages count against the
// memory limit and cannot leave it), and a write past the size fails with
// ENOSPC, as on Lambda.
//
// Creating one costs a copy of a few kilobytes: mkfs.ext4 runs once per size
// into a sparse template, each sandbox gets a sparse copy in an unnamed
// file (O_TMPFILE) that only its loop device holds. The device clears
// itself once its last user, the mount in the sandbox's namespace, is gone,
// and the file's blocks are freed with it, whether nubo stopped the sandbox
// or crashed.
type tmpDisks struct {
	dir string // templates and the unnamed files live here

	mu        sync.Mutex
	templates map[int]string // size in MB to template path
}

// mkfsArgs make a filesystem that costs no writes beyond its metadata:
// no journal (the data is thrown away with the sandbox), no reserved
// blocks, and inode tables left unzeroed (the file is sparse, so they read
// as zeros; the mount's noinit_itable keeps the kernel from zeroing them).
// An inode per 16 KB (32,768 in 512 MB) leaves about 98% of the size for
// data; mke2fs would take one per 4 KB below 512 MB.
var mkfsArgs = []string{"-q", "-F", "-t", "ext4", "-b", "4096", "-m", "0", "-i", "16384", "-I", "256",
	"-O", "^has_journal,^resize_inode", "-E", "nodiscard,lazy_itable_init=1"}

const tmpMountOptions = "noinit_itable"

// pooledTmpMB is the size of the /tmp that prepared sandboxes get:
// Lambda's default EphemeralStorage.
const pooledTmpMB = 512

func newTmpDisks(dir string) (*tmpDisks, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create tmp disk dir: %w", err)
	}
	return &tmpDisks{dir: dir, templates: map[int]string{}}, nil
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

// attach makes a fresh /tmp of sizeMB and returns its loop device, open.
// The caller mounts it and closes the file.
func (t *tmpDisks) attach(sizeMB int) (*os.File, error) {
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
	return attachLoop(img)
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

// mountTmp mounts the loop device at dst for the sandbox's user, empty and
// private to it, as a tmpfs with mode 700 was.
func mountTmp(dev *os.File, dst string, uid int) error {
	src := dev.Name()
	if err := unix.Mount(src, dst, "ext4", unix.MS_NOSUID|unix.MS_NODEV, tmpMountOptions); err != nil {
		return fmt.Errorf("mount tmp: %w", err)
	}
	if err := os.Remove(filepath.Join(dst, "lost+found")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("tidy tmp: %w", err)
	}
	if err := os.Chown(dst, uid, uid); err != nil {
		return fmt.Errorf("chown tmp: %w", err)
	}
	return os.Chmod(dst, 0o700)
}

// replaceTmp mounts dev at dst in place of the /tmp mounted there.
func replaceTmp(dev *os.File, dst string, uid int) error {
	if err := unix.Unmount(dst, unix.MNT_DETACH); err != nil {
		return fmt.Errorf("unmount pooled tmp: %w", err)
	}
	return mountTmp(dev, dst, uid)
}
