package server_test

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// nuboProcess is nubo running as its own process, to be killed with -9.
type nuboProcess struct {
	cmd    *exec.Cmd
	addr   string
	exited chan struct{}
}

// built is the nubo binary the process tests share, built once.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
	out  []byte
}

// nuboBinary builds cmd/nubo once for every test that runs it as a process.
func nuboBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "nubo-bin-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "nubo")
		build := exec.Command("go", "build", "-o", built.bin, "./cmd/nubo")
		build.Dir = "../.."
		built.out, built.err = build.CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("build nubo: %v\n%s", built.err, built.out)
	}
	return built.bin
}

// startProcess runs `nubo serve` over dir on addr, with extra flags, and
// waits until it accepts connections.
func startProcess(t *testing.T, bin, dir, addr string, flags ...string) *nuboProcess {
	t.Helper()
	args := append([]string{"serve", "--addr", addr, "--data-dir", dir, "--sandbox", "process", "--async-retry-delays", "100ms,200ms"}, flags...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = io.Discard, processLog(t)
	if testing.Verbose() && os.Getenv("NUBO_TEST_LOG") != "" {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &nuboProcess{cmd: cmd, addr: addr, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(p.kill)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			if err := ensureRole(context.Background(), addr, "nubo-test", allowAll); err != nil {
				t.Fatal(err)
			}
			return p
		}
		select {
		case <-p.exited:
			t.Fatalf("nubo exited at start: %v", cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("nubo did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// processLog is a file for a nubo process's log; the end of it is shown
// when the test fails.
func processLog(t *testing.T) *os.File {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "nubo-*.log")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer f.Close()
		if !t.Failed() {
			return
		}
		const tail = 4 << 10
		info, err := f.Stat()
		if err != nil {
			return
		}
		b := make([]byte, min(info.Size(), tail))
		n, _ := f.ReadAt(b, info.Size()-int64(len(b)))
		t.Logf("the end of %s:\n%s", filepath.Base(f.Name()), b[:n])
	})
	return f
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *nuboProcess) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}
