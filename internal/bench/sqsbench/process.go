package sqsbench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// freeAddr is a free loopback address.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// child is a server the run started.
type child struct {
	pid  int
	stop func()
}

// cpuTime is the CPU time process pid has used (user and system), from
// /proc; 0 where there is none.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; fields count from its end.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc's CPU times (100 on Linux).
const clockTicks = 100

// startChild runs a server (nubo, goaws or the floor) as a process of its
// own, so that each system measured has its own process beside the
// benchmark's client, and waits until base answers HTTP; stop ends it
// with SIGTERM (which lets nubo write its profile), then SIGKILL.
func startChild(ctx context.Context, name, base string, cmd *exec.Cmd) (c child, err error) {
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = nil, &logs
	if err := cmd.Start(); err != nil {
		return c, fmt.Errorf("start %s: %w", name, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	c = child{pid: cmd.Process.Pid, stop: func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		if resp, err := http.Get(base + "/"); err == nil {
			resp.Body.Close()
			return c, nil
		}
		select {
		case <-exited:
			return c, fmt.Errorf("%s exited: %s", name, logs.String())
		case <-ctx.Done():
			c.stop()
			return c, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	c.stop()
	return c, fmt.Errorf("%s did not answer on %s: %s", name, base, logs.String())
}

// startNubo runs nubo serve on a free loopback port with its data in dir.
func startNubo(ctx context.Context, bin, dir string, opts Options) (base string, c child, err error) {
	addr, err := freeAddr()
	if err != nil {
		return "", c, err
	}
	args := []string{"serve", "--addr", addr, "--data-dir", dir, "--log-level", "error"}
	if opts.Sandbox != "" {
		args = append(args, "--sandbox", opts.Sandbox)
	}
	if opts.Profile != "" {
		args = append(args, "--cpuprofile", opts.Profile)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = os.Environ()
	base = "http://" + addr
	c, err = startChild(ctx, "nubo", base, cmd)
	return base, c, err
}

// startFloor runs the stream floor (bench.ServeStreamFloor, through nubo
// bench-sqs --serve-floor) on a free loopback port.
func startFloor(ctx context.Context, bin string) (base string, c child, err error) {
	addr, err := freeAddr()
	if err != nil {
		return "", c, err
	}
	base = "http://" + addr
	c, err = startChild(ctx, "the floor", base, exec.Command(bin, "bench-sqs", "--serve-floor", addr))
	return base, c, err
}
