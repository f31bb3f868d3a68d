package linux

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// The sandbox's own view of its directories.
const (
	taskDir    = "/var/task"
	runtimeDir = "/var/runtime"
	optDir     = "/opt"
	tmpDir     = "/tmp"
)

// hostSystemDirs are seen read-only in every sandbox, as directories or,
// where the host has merged them into /usr, as the same symlinks.
var hostSystemDirs = []string{"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"}

// The root is a small tmpfs that holds only mount points and symlinks; it
// turns read-only before the sandbox's code runs.
const rootOptions = "mode=755,size=256k,nr_inodes=512"

const (
	roFlags  = unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV
	roAttrs  = unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV
	devMajor = 1 // mem devices: null 1:3, zero 1:5, full 1:7, random 1:8, urandom 1:9
)

// prepareRoot builds the parts of a sandbox's root that do not depend on
// its Spec, at root (the driver's mount point, private to the sandbox's
// mount namespace), with the /tmp filesystem tmp (tmpdisk.go). It runs in that namespace; PID 1 has already made every
// mount private and mounted the namespace's own /proc over /proc.
func (d *Driver) prepareRoot(root, users string, tmp *tmpDisk) error {
	if err := unix.Mount("nubo-root", root, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, rootOptions); err != nil {
		return fmt.Errorf("mount root: %w", err)
	}
	for _, dir := range []string{"etc", "var", "var/task", "var/runtime", "opt", "tmp", "proc", "dev"} {
		if err := os.Mkdir(filepath.Join(root, dir), 0o755); err != nil {
			return fmt.Errorf("create root: %w", err)
		}
	}
	for _, name := range hostSystemDirs {
		if err := mirrorHostDir(root, name); err != nil {
			return err
		}
	}
	if err := d.share.mountAt("etc", filepath.Join(root, "etc")); err != nil {
		return err
	}
	for _, name := range []string{"passwd", "group"} {
		if err := d.share.mountAt(users+"/"+name, filepath.Join(root, "etc", name)); err != nil {
			return err
		}
	}
	if err := makeDev(filepath.Join(root, "dev")); err != nil {
		return err
	}
	if err := tmp.mountAt(filepath.Join(root, "tmp")); err != nil {
		return err
	}
	if err := unix.Mount("/proc", filepath.Join(root, "proc"), "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind proc: %w", err)
	}
	return nil
}

// mirrorHostDir makes /name of the host visible read-only at root/name.
func mirrorHostDir(root, name string) error {
	host := "/" + name
	fi, err := os.Lstat(host)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("stat %s: %w", host, err)
	}
	dst := filepath.Join(root, name)
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(host)
		if err != nil {
			return fmt.Errorf("read link %s: %w", host, err)
		}
		if err := os.Symlink(target, dst); err != nil {
			return fmt.Errorf("link %s: %w", host, err)
		}
		return nil
	}
	if !fi.IsDir() {
		return nil
	}
	if err := os.Mkdir(dst, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dst, err)
	}
	return bindReadOnly(host, dst)
}

// makeDev gives the sandbox a /dev of its own with the few devices a
// runtime needs, read-only (device nodes stay usable on a read-only mount).
func makeDev(dev string) error {
	if err := unix.Mount("nubo-dev", dev, "tmpfs", unix.MS_NOSUID|unix.MS_NOEXEC, "mode=755,size=64k,nr_inodes=64"); err != nil {
		return fmt.Errorf("mount dev: %w", err)
	}
	nodes := []struct {
		name         string
		major, minor uint32
	}{
		{"null", devMajor, 3}, {"zero", devMajor, 5}, {"full", devMajor, 7},
		{"random", devMajor, 8}, {"urandom", devMajor, 9}, {"tty", 5, 0},
	}
	for _, n := range nodes {
		p := filepath.Join(dev, n.name)
		err := unix.Mknod(p, unix.S_IFCHR|0o666, int(unix.Mkdev(n.major, n.minor)))
		if err != nil {
			// Where a device cgroup forbids mknod, bind the host's node.
			if err := bindDevice("/dev/"+n.name, p); err != nil {
				return fmt.Errorf("create /dev/%s: %w", n.name, err)
			}
			continue
		}
		if err := os.Chmod(p, 0o666); err != nil { // the umask applied to mknod
			return fmt.Errorf("chmod /dev/%s: %w", n.name, err)
		}
	}
	for name, target := range map[string]string{
		"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2",
	} {
		if err := os.Symlink(target, filepath.Join(dev, name)); err != nil {
			return fmt.Errorf("link /dev/%s: %w", name, err)
		}
	}
	if err := unix.Mount("", dev, "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("remount dev read-only: %w", err)
	}
	return nil
}

func bindDevice(src, dst string) error {
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o666)
	if err != nil {
		return err
	}
	f.Close()
	return unix.Mount(src, dst, "", unix.MS_BIND, "")
}

// bindReadOnly mounts src at dst, read-only, nosuid and nodev, submounts
// included.
func bindReadOnly(src, dst string) error {
	if err := unix.Mount(src, dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s: %w", src, err)
	}
	err := unix.MountSetattr(unix.AT_FDCWD, dst, unix.AT_RECURSIVE, &unix.MountAttr{Attr_set: roAttrs})
	if err == unix.ENOSYS {
		// Before Linux 5.12: the top mount only.
		err = unix.Mount("", dst, "", unix.MS_BIND|unix.MS_REMOUNT|roFlags, "")
	}
	if err != nil {
		return fmt.Errorf("make %s read-only: %w", dst, err)
	}
	return nil
}

// enterRoot makes root, the sandbox's root filesystem, the root of the
// current mount namespace, read-only, with the host's tree detached. Its
// /var/task and /var/runtime stay empty until mountCode. The pool does this
// ahead: detaching the host's tree waits for the kernel's RCU grace period,
// a millisecond or more that a cold start would wait too.
func enterRoot(root string) error {
	if err := unix.Mount("", root, "", unix.MS_REMOUNT|roFlags, ""); err != nil {
		return fmt.Errorf("remount root read-only: %w", err)
	}
	if err := unix.Chdir(root); err != nil {
		return fmt.Errorf("chdir root: %w", err)
	}
	// The old root is stacked on the new one and then detached; PID 1's root
	// and working directory move along.
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach host root: %w", err)
	}
	return nil
}

// mountCode mounts the share's copies code and runtime ("" for none) at
// /var/task and /var/runtime of the root filesystem that is this thread's
// working directory, read-only: mounts need no write access to the
// directories they cover.
func (d *Driver) mountCode(code, runtime string) error {
	if err := d.share.mountAt(code, strings.TrimPrefix(taskDir, "/")); err != nil {
		return err
	}
	if runtime == "" {
		return nil
	}
	return d.share.mountAt(runtime, strings.TrimPrefix(runtimeDir, "/"))
}

// setupUTS names the current UTS namespace.
func setupUTS() error {
	if err := unix.Sethostname([]byte(hostname)); err != nil {
		return fmt.Errorf("sethostname: %w", err)
	}
	return nil
}

// setupLoopback brings up the loopback interface of the current network
// namespace.
func setupLoopback() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	ifr.SetUint16(unix.IFF_UP | unix.IFF_LOOPBACK | unix.IFF_RUNNING)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("bring up lo: %w", err)
	}
	return nil
}
