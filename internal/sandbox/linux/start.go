package linux

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// sendStart asks PID 1 to start path with the sandbox's identity, filter
// and output.
func (b *box) sendStart(path string, argv, env []string) error {
	req := startRequest{uid: b.s.uid, gid: b.s.uid, path: path, dir: taskDir, argv: argv, env: env, filter: b.filter}
	buf, err := req.encode()
	if err != nil {
		return err
	}
	out := b.spec.Output
	if out == nil {
		out = b.s.d.devNull
	}
	// Fd leaves the descriptors blocking, as the process expects them (and
	// as os/exec leaves them too).
	null, w := int(b.s.d.devNull.Fd()), int(out.Fd())
	if _, _, err := b.s.conn.WriteMsgUnix(buf, unix.UnixRights(null, w, w), nil); err != nil {
		return fmt.Errorf("send request: %w", err)
	}
	return nil
}

// awaitStart waits for PID 1's answer to the start request. A process
// that fails to exec, or exits at once, can take PID 1 down right after
// its answer, so done may be closed by the time Start looks: watch passes
// the answer on before it closes done, and the answer wins.
func (b *box) awaitStart() error {
	var m message
	select {
	case m = <-b.startc:
	case <-b.done:
		select {
		case m = <-b.startc:
		default:
			return errNoInit
		}
	}
	if m.kind == msgFailed {
		return startError(m)
	}
	return nil
}

// lookPath finds a command given without a slash in the PATH of env,
// resolving inside the sandbox's root.
func (b *box) lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	path := "/usr/local/bin:/usr/bin:/bin"
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	root, err := unix.Open("/proc/"+strconv.Itoa(b.s.pid)+"/root", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", fmt.Errorf("open sandbox root: %w", err)
	}
	defer unix.Close(root)
	for _, dir := range filepath.SplitList(path) {
		if !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, name)
		fd, err := unix.Openat2(root, p, &unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_IN_ROOT})
		if err != nil {
			continue
		}
		var st unix.Stat_t
		err = unix.Fstat(fd, &st)
		unix.Close(fd)
		if err == nil && st.Mode&unix.S_IFMT == unix.S_IFREG && st.Mode&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New("executable file not found in $PATH")
}
