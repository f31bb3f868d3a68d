package linux

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// removeLeftovers undoes what a previous run of the driver may have left
// after a crash: its cgroups (killing anything still in them), any mount
// under the state directory, and the state directory itself. Sandboxes'
// mounts live in their own mount namespaces and vanish with them, so the
// host's mount table normally holds none.
func (d *Driver) removeLeftovers() error {
	n, err := d.cgroups.removeLeftovers()
	if err != nil {
		return fmt.Errorf("remove leftover cgroups: %w", err)
	}
	if n > 0 {
		d.log.Info("removed leftover sandbox cgroups", "count", n)
	}
	mounts, err := mountsUnder(d.opts.Dir)
	if err != nil {
		return err
	}
	for _, m := range mounts {
		if err := unix.Unmount(m, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("unmount leftover %s: %w", m, err)
		}
	}
	if len(mounts) > 0 {
		d.log.Info("removed leftover sandbox mounts", "count", len(mounts))
	}
	if err := os.RemoveAll(d.opts.Dir); err != nil {
		return fmt.Errorf("clean state dir: %w", err)
	}
	return nil
}

// mountsUnder lists the mount points at or below dir, deepest first.
func mountsUnder(dir string) ([]string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mnt := unescapeMount(fields[4])
		if mnt == dir || strings.HasPrefix(mnt, dir+"/") {
			out = append(out, mnt)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out, sc.Err()
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var c byte
			if _, err := fmt.Sscanf(s[i+1:i+4], "%3o", &c); err == nil {
				b.WriteByte(c)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
