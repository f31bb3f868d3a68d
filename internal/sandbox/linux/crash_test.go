package linux

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// crashParent is unique to the test process, like every cgroup parent the
// tests use: New kills whatever runs under its parent, and several test
// runs may share a machine.
var crashParent = fmt.Sprintf("nubo-test-crash-%d", os.Getpid())

// TestCrashHelper is the nubo that TestCrashSafety kills: it starts
// sandboxes with daemons in them, prints their processes and waits.
func TestCrashHelper(t *testing.T) {
	dir := os.Getenv("NUBO_CRASH_HELPER")
	if dir == "" {
		t.Skip("run by TestCrashSafety")
	}
	d, err := New(Options{Dir: dir, CgroupParent: os.Getenv("NUBO_CRASH_PARENT"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	go d.Run(context.Background())
	var pids, names []string
	for i := 0; i < 3; i++ {
		e := create(t, d, taskRoot(t, nil), 128, 64)
		e.sh(t, `setsid sleep 1000 & (sleep 1000 &); sleep 0.2; echo ready; exec sleep 1000`)
		e.out.waitFor(t, "ready")
		b := e.sb.(*box)
		for _, p := range b.s.cg.procs() {
			pids = append(pids, strconv.Itoa(p))
		}
		names = append(names, b.s.name)
	}
	fmt.Printf("pids=%s\ncgroups=%s\n", strings.Join(pids, ","), strings.Join(names, ","))
	time.Sleep(time.Minute) // killed long before, or by its parent's death
}

// TestCrashSafety kills -9 a nubo running sandboxes: no sandbox process may
// survive it, and the next driver on the same state removes what it left.
func TestCrashSafety(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.v")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Env = append(os.Environ(), "NUBO_CRASH_HELPER="+dir, "NUBO_CRASH_PARENT="+crashParent)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var pids []int
	var names []string
	sc := bufio.NewScanner(stdout)
	for names == nil && sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "pids="); ok {
			for _, f := range strings.Split(v, ",") {
				p, _ := strconv.Atoi(f)
				pids = append(pids, p)
			}
		}
		if v, ok := strings.CutPrefix(line, "cgroups="); ok {
			names = strings.Split(v, ",")
		}
	}
	if len(pids) < 12 || len(names) != 3 {
		t.Fatalf("helper reported pids %v, cgroups %v", pids, names)
	}
	go func() {
		for sc.Scan() {
		}
	}()

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for _, pid := range pids {
		for alive(pid, crashParent) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if alive(pid, crashParent) {
			t.Errorf("sandbox process %d survived kill -9 of nubo", pid)
		}
	}

	// What the crash left: the cgroups, and (simulated) a mount under the
	// state directory.
	cg, err := findCgroups(crashParent)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if _, err := os.Stat(filepath.Join(cg.mem, name)); err != nil {
			t.Fatalf("expected the crash to leave cgroup %s: %v", name, err)
		}
	}
	stale := filepath.Join(dir, "root")
	if err := unix.Mount("stale", stale, "tmpfs", 0, ""); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, Options{Dir: dir, CgroupParent: crashParent})
	for _, name := range names {
		for _, hier := range cg.dirs() {
			if _, err := os.Stat(filepath.Join(hier, name)); err == nil {
				t.Errorf("cgroup %s/%s survived the restart", hier, name)
			}
		}
	}
	if m, _ := mountsUnder(dir); len(m) != 0 {
		t.Errorf("mounts survived the restart: %v", m)
	}
	checkHealthy(t, d)
}
