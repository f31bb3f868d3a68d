package linux

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

const hostname = "sandbox"

// etcEntries are what a sandbox sees of the host's /etc: what the dynamic
// loader, TLS, DNS and the managed runtimes (Python, Node.js, Java) read.
// Anything not world-readable is left out; so is localtime, which leaves
// sandboxes on UTC as Lambda's are.
var etcEntries = []string{
	"alternatives", "ca-certificates", "ca-certificates.conf", "crypto-policies",
	"debian_version", "gai.conf", "host.conf", "java-*", "ld.so.cache",
	"ld.so.conf", "ld.so.conf.d", "lsb-release", "mime.types", "os-release",
	"pki", "protocols", "python3*", "resolv.conf", "rpc", "services", "ssl",
	"system-release", "alpine-release", "redhat-release",
}

// etcFiles are written rather than copied.
var etcFiles = map[string]string{
	"hostname": hostname + "\n",
	"hosts":    "127.0.0.1\tlocalhost " + hostname + "\n::1\tlocalhost ip6-localhost ip6-loopback\n",
	"nsswitch.conf": "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n" +
		"networks: files\nprotocols: files\nservices: files\n",
	// Mount points for each sandbox's own user files (userFiles).
	"passwd": "",
	"group":  "",
}

// buildEtc fills dir with the sandboxes' /etc, from the host's /etc.
func buildEtc(dir, hostEtc string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create etc: %w", err)
	}
	for _, pattern := range etcEntries {
		matches, err := filepath.Glob(filepath.Join(hostEtc, pattern))
		if err != nil {
			return err
		}
		for _, src := range matches {
			if err := copyTree(src, filepath.Join(dir, filepath.Base(src))); err != nil {
				return fmt.Errorf("copy %s: %w", src, err)
			}
		}
	}
	for name, content := range etcFiles {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("write etc: %w", err)
		}
	}
	return nil
}

// copyTree copies src to dst, keeping symlinks as symlinks and leaving out
// whatever other users may not read.
func copyTree(src, dst string) error {
	fi, err := os.Lstat(src)
	if err != nil {
		return err
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return os.Symlink(target, dst)
	case fi.Mode().Perm()&0o004 == 0:
		return nil
	case fi.IsDir():
		if fi.Mode().Perm()&0o001 == 0 {
			return nil
		}
		if err := os.Mkdir(dst, 0o755); err != nil {
			return err
		}
		entries, err := os.ReadDir(src)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := copyTree(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
				return err
			}
		}
		return nil
	case fi.Mode().IsRegular():
		return copyFile(src, dst, fi.Mode().Perm())
	}
	return nil
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if perm&0o111 != 0 {
		// A child forked while the copy is open for writing would hold it
		// so until it execs, and executing the copy meanwhile fails with
		// "text file busy" (golang/go#22315): no fork until it is closed.
		syscall.ForkLock.RLock()
		defer syscall.ForkLock.RUnlock()
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm&^0o022)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	return errors.Join(err, out.Close())
}

// userFiles returns the directory in the driver's share of the passwd and
// group files a sandbox running as uid sees, creating it on first use.
func (d *Driver) userFiles(uid int) (string, error) {
	name := "users/" + strconv.Itoa(uid)
	dir := d.share.path(name)
	if _, err := os.Stat(filepath.Join(dir, "group")); err == nil {
		return name, nil
	}
	id := strconv.Itoa(uid)
	passwd := strings.Join([]string{
		"root:x:0:0:root:/root:/usr/sbin/nologin",
		"sbx_user:x:" + id + ":" + id + "::/tmp:/usr/sbin/nologin",
		"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin", "",
	}, "\n")
	group := "root:x:0:\nsbx_user:x:" + id + ":\nnogroup:x:65534:\n"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create user files: %w", err)
	}
	// Written under temporary names and renamed, so that a concurrent
	// reader never sees half a file.
	for name, content := range map[string]string{"passwd": passwd, "group": group} {
		tmp := filepath.Join(dir, "."+name)
		if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
			return "", fmt.Errorf("write user files: %w", err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			return "", fmt.Errorf("write user files: %w", err)
		}
	}
	return name, nil
}
