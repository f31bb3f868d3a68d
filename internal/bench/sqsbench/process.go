package sqsbench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
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

// startChild runs a server (nubo, goaws or the floor) as a process of its
// own, so that each system measured has its own process beside the
// benchmark's client, and waits until base answers HTTP; stop ends it
// with SIGTERM (which lets nubo write its profile), then SIGKILL.
func startChild(ctx context.Context, name, base string, cmd *exec.Cmd) (stop func(), err error) {
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = nil, &logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	stop = func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		if resp, err := http.Get(base + "/"); err == nil {
			resp.Body.Close()
			return stop, nil
		}
		select {
		case <-exited:
			return nil, fmt.Errorf("%s exited: %s", name, logs.String())
		case <-ctx.Done():
			stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	stop()
	return nil, fmt.Errorf("%s did not answer on %s: %s", name, base, logs.String())
}

// startNubo runs nubo serve on a free loopback port with its data in dir.
func startNubo(ctx context.Context, bin, dir string, opts Options) (base string, stop func(), err error) {
	addr, err := freeAddr()
	if err != nil {
		return "", nil, err
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
	stop, err = startChild(ctx, "nubo", base, cmd)
	return base, stop, err
}

// startFloor runs the stream floor (bench.ServeStreamFloor, through nubo
// bench-sqs --serve-floor) on a free loopback port.
func startFloor(ctx context.Context, bin string) (base string, stop func(), err error) {
	addr, err := freeAddr()
	if err != nil {
		return "", nil, err
	}
	base = "http://" + addr
	stop, err = startChild(ctx, "the floor", base, exec.Command(bin, "bench-sqs", "--serve-floor", addr))
	return base, stop, err
}
