package linux

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestTmpOnDisk checks that /tmp is separate from memory, as on Lambda: a
// 128 MB function writes 150 MB to a /tmp of 160 MB, and the next 20 MB
// fail with ENOSPC at the configured size.
func TestTmpOnDisk(t *testing.T) {
	d := sharedDriver(t)
	e := create(t, d, taskRoot(t, nil), 128, 160)
	e.sh(t, `dd if=/dev/zero of=/tmp/a bs=1M count=150 2>/dev/null && echo wrote
		dd if=/dev/zero of=/tmp/b bs=1M count=20 2>&1 | head -1; du -sk /tmp | cut -f1 | sed 's/^/kb=/'`)
	ex := e.wait(t, 60*time.Second)
	out := e.out.String()
	if ex.OOM || !strings.Contains(out, "wrote") {
		t.Fatalf("writing 150 MB to /tmp under 128 MB: exit %v, %q", ex, out)
	}
	if !strings.Contains(out, "No space left on device") {
		t.Fatalf("writing past a 160 MB /tmp: %q, want ENOSPC", out)
	}
	// Metadata takes a few percent of the filesystem.
	if kb := e.out.value("kb"); kb > 160<<10 || kb < 152<<10 {
		t.Fatalf("/tmp holds %d KB when full, want between 152 and 160 MB", kb)
	}
	checkHealthy(t, d)
}

// TestTmpSizes checks /tmp at Lambda's default size (prepared by the pool)
// and at another: empty, the sandbox user's alone, of the configured size.
func TestTmpSizes(t *testing.T) {
	d := sharedDriver(t)
	for _, mb := range []int{512, 1024} {
		e := create(t, d, taskRoot(t, nil), 128, mb)
		e.sh(t, `ls -A /tmp | wc -l | sed 's/^/entries=/'; [ "$(stat -c %a:%u /tmp)" = "700:$(id -u)" ] && echo mine=1
			stat -f -c %b:%S /tmp | awk -F: '{ print "kb=" $1 * $2 / 1024 }'`)
		e.wait(t, 20*time.Second)
		if e.out.value("entries") != 0 || e.out.value("mine") != 1 {
			t.Errorf("%d MB: /tmp not empty or not the sandbox user's: %q", mb, e.out.String())
		}
		if kb := e.out.value("kb"); kb < mb<<10*97/100 || kb > mb<<10 {
			t.Errorf("%d MB: /tmp has %d KB", mb, kb)
		}
	}
}

func TestAttackMemory(t *testing.T) {
	d := sharedDriver(t)
	needHostTool(t, "python3")
	neighbor := create(t, d, taskRoot(t, nil), 128, 64)
	neighbor.sh(t, `sleep 3; echo alive`)
	e := create(t, d, taskRoot(t, nil), 128, 64)
	e.start(t, []string{"python3", "-c", "s = 'x' * (400 << 20); print('allocated')"})
	ex := e.wait(t, 60*time.Second)
	if ex.Signal != "killed" || !ex.OOM {
		t.Fatalf("allocating 400 MB under 128 MB: exit %+v, output %q; want killed and OOM", ex, e.out.String())
	}
	if strings.Contains(e.out.String(), "allocated") {
		t.Fatal("the allocation succeeded")
	}
	if mb := e.sb.MaxMemoryMB(); mb < 100 || mb > 128 {
		t.Errorf("MaxMemoryMB = %d, want about the 128 MB limit", mb)
	}
	if ex := neighbor.wait(t, 30*time.Second); ex.Code != 0 || ex.OOM || neighbor.out.String() != "alive\n" {
		t.Errorf("neighbor: %+v %q", ex, neighbor.out.String())
	}
	checkHealthy(t, d)
}

func TestAttackForkBomb(t *testing.T) {
	// Counting to Lambda's 1,024 takes half a minute on a small VM (about
	// 25 ms a fork and exec), so the exact count is checked on a driver with
	// a lower limit, and the real limit against a fork bomb.
	small := newDriver(t, Options{MaxProcs: 100, CgroupParent: testParent("procs")})
	e := create(t, small, taskRoot(t, nil), 3538, 64) // two vCPUs
	// Count the processes started until fork fails; dash then exits 2.
	e.sh(t, `i=0; while sleep 1000 & do i=$((i+1)); echo n=$i; done`)
	ex := e.wait(t, 60*time.Second)
	out := e.out.String()
	// pids.max is MaxProcs+1: PID 1, the shell and 99 sleeps.
	if lineWith(out, "n=99") == "" || strings.Contains(out, "n=100") || !strings.Contains(out, "Cannot fork") || ex.Code != 2 {
		lines := strings.Split(strings.TrimSpace(out), "\n")
		t.Fatalf("exit %v; last lines %q", ex, lines[max(0, len(lines)-3):])
	}

	bomb := create(t, small, taskRoot(t, nil), 3538, 64)
	bomb.sh(t, `b() { b | b & }; b; exec sleep 1000`)
	cg := bomb.sb.(*box).s.cg
	read := func(file string) string {
		data, _ := os.ReadFile(cg.path(cg.root.pids, file))
		return strings.TrimSpace(string(data))
	}
	deadline := time.Now().Add(30 * time.Second)
	for read("pids.events") == "max 0" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n, _ := strconv.Atoi(read("pids.current")); n > 101 || read("pids.events") == "max 0" {
		t.Errorf("fork bomb: pids.current %s, pids.events %q", read("pids.current"), read("pids.events"))
	}
	start := time.Now()
	if err := bomb.sb.Stop(0); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("stopping the fork bomb took %v", el)
	}
	checkHealthy(t, small)

	// The default limit is Lambda's 1,024 (plus PID 1).
	d := sharedDriver(t)
	e = create(t, d, taskRoot(t, nil), 128, 64)
	cg = e.sb.(*box).s.cg
	if got := read("pids.max"); got != "1025" {
		t.Errorf("pids.max = %s, want 1025", got)
	}
	checkHealthy(t, d)
}

func TestAttackSetuidBinary(t *testing.T) {
	d := sharedDriver(t)
	root := taskRoot(t, nil)
	id, err := os.ReadFile("/usr/bin/id")
	if err != nil {
		t.Skip("no /usr/bin/id")
	}
	suid := filepath.Join(root, "id")
	if err := os.WriteFile(suid, id, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chown(suid, 0, 0)
	if err := os.Chmod(suid, 0o4755|os.ModeSetuid); err != nil {
		t.Fatal(err)
	}
	e := create(t, d, root, 128, 64)
	e.sh(t, `echo euid=$(/var/task/id -u); /usr/bin/mount -t tmpfs none /tmp >/dev/null 2>&1; echo mount=$?
		grep -E '^(Uid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status`)
	e.wait(t, 20*time.Second)
	out := e.out.String()
	uid := ""
	for _, f := range strings.Fields(lineWith(out, "Uid:"))[1:] {
		if uid == "" {
			uid = f
		} else if f != uid {
			t.Errorf("uids differ: %q", lineWith(out, "Uid:"))
		}
	}
	if n, _ := strconv.Atoi(uid); n < 1000 {
		t.Errorf("sandbox runs as uid %q", uid)
	}
	want := []string{
		"euid=" + uid, "mount=32", "CapInh:\t0000000000000000", "CapPrm:\t0000000000000000",
		"CapEff:\t0000000000000000", "CapBnd:\t0000000000000000", "CapAmb:\t0000000000000000",
		"NoNewPrivs:\t1", "Seccomp:\t2",
	}
	if g := strings.Fields(lineWith(out, "Groups:")); len(g) != 1 {
		t.Errorf("supplementary groups: %q", g)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// TestAttackRuntimeAPIs has each of two sandboxes call 127.0.0.1:9001 and
// two further in-sandbox listeners (4566 the pool's, 4567 opened on
// demand): each must reach only its own.
func TestAttackRuntimeAPIs(t *testing.T) {
	d := sharedDriver(t)
	needHostTool(t, "curl")
	serve := func(e *env, name string) {
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, name)
		})}
		go srv.Serve(e.sb.Listener())
		t.Cleanup(func() { srv.Close() })
		for _, port := range []string{"4566", "4567"} {
			ln, err := e.sb.(interface {
				Listen(network, address string) (net.Listener, error)
			}).Listen("tcp", "127.0.0.1:"+port)
			if err != nil {
				t.Fatal(err)
			}
			further := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, port+"-"+name)
			})}
			go further.Serve(ln)
			t.Cleanup(func() { further.Close() })
		}
	}
	a := create(t, d, taskRoot(t, nil), 128, 64)
	b := create(t, d, taskRoot(t, nil), 128, 64)
	serve(a, "A")
	serve(b, "B")
	script := `for p in 9001 4566 4567; do echo "$p=$(curl -s --max-time 2 http://127.0.0.1:$p/)"; done`
	a.sh(t, script)
	b.sh(t, script)
	a.wait(t, 20*time.Second)
	b.wait(t, 20*time.Second)
	if got := a.out.String(); got != "9001=A\n4566=4566-A\n4567=4567-A\n" {
		t.Errorf("A got %q", got)
	}
	if got := b.out.String(); got != "9001=B\n4566=4566-B\n4567=4567-B\n" {
		t.Errorf("B got %q", got)
	}
}

// TestAttackOutliveStop leaves daemons behind (new sessions, orphans) and
// checks that none survives Stop.
func TestAttackOutliveStop(t *testing.T) {
	d := sharedDriver(t)
	e := create(t, d, taskRoot(t, nil), 128, 64)
	e.sh(t, `setsid sleep 1000 & nohup sleep 1000 >/dev/null 2>&1 & (sleep 1000 &); (setsid sh -c 'trap "" TERM HUP; sleep 1000' &); sleep 0.3; echo ready; exec sleep 1000`)
	e.out.waitFor(t, "ready")
	b := e.sb.(*box)
	pids := b.s.cg.procs()
	if len(pids) < 6 {
		t.Fatalf("sandbox has processes %v, want PID 1, 4 daemons and the main process", pids)
	}
	name := b.s.name
	if err := e.sb.Stop(100 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if alive(pid, name) {
			t.Errorf("pid %d survived Stop", pid)
		}
	}
	for _, dir := range d.cgroups.dirs() {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("cgroup %s/%s survived Stop", dir, name)
		}
	}
	checkHealthy(t, d)
}

// alive says whether pid is a live process in the sandbox cgroup name.
func alive(pid int, name string) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	cg, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return strings.Contains(string(cg), name) && !strings.Contains(string(stat), ") Z ")
}

// TestLimits checks the cgroup settings of a 128 MB sandbox: memory without
// swap, two vCPUs during init, then 128/1769 of one, in CFS periods short
// enough that a throttled no-op waits milliseconds, not Linux's default 100.
func TestLimits(t *testing.T) {
	d := sharedDriver(t)
	e := create(t, d, taskRoot(t, nil), 128, 64)
	e.sh(t, "exec sleep 1000")
	b := e.sb.(*box)
	cg := b.s.cg
	read := func(dir, file string) string {
		data, err := os.ReadFile(cg.path(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(data))
	}
	cpu := func() string {
		if cg.root.v2 {
			return read(cg.root.cpu, "cpu.max")
		}
		return read(cg.root.cpu, "cpu.cfs_quota_us") + " " + read(cg.root.cpu, "cpu.cfs_period_us")
	}
	if cg.root.v2 {
		if got := read(cg.root.mem, "memory.max"); got != "134217728" {
			t.Errorf("memory.max = %s", got)
		}
	} else {
		for _, f := range []string{"memory.limit_in_bytes", "memory.memsw.limit_in_bytes"} {
			if f == "memory.memsw.limit_in_bytes" && !cg.root.memsw {
				continue
			}
			if got := read(cg.root.mem, f); got != "134217728" {
				t.Errorf("%s = %s", f, got)
			}
		}
	}
	if got := cpu(); got != "20000 10000" {
		t.Errorf("init CPU = %s, want two vCPUs", got)
	}
	b.InitDone()
	if got := cpu(); got != "1000 13821" {
		t.Errorf("CPU after init = %s, want 128/1769 of a vCPU in a period of about 14 ms", got)
	}
	// Less than a vCPU runs on one CPU.
	for _, pid := range cg.procs() {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			t.Fatal(err)
		}
		if list := lineWith(string(status), "Cpus_allowed_list:"); strings.ContainsAny(list, ",-") {
			t.Errorf("pid %d: %s, want one CPU", pid, list)
		}
	}
}

// TestManagedRuntimes runs the host's interpreters inside a sandbox, as the
// managed runtimes do: they must find everything they need in the
// read-only system directories and the sandbox's /etc.
func TestManagedRuntimes(t *testing.T) {
	d := sharedDriver(t)
	for _, rt := range []struct {
		name   string
		script string
		want   string
	}{
		{"python3", `python3 -c 'import ssl, json, urllib.request, pwd, os; print("py", json.dumps(pwd.getpwuid(os.getuid()).pw_name), ssl.get_default_verify_paths().cafile is not None)'`, `py "sbx_user" True`},
		{"node", `node -e 'const os = require("os"); console.log("node", os.userInfo().username, require("tls").rootCertificates.length > 0)'`, "node sbx_user true"},
		{"java", `java -XX:MaxRAM=512m -XshowSettings:properties -version 2>&1 | grep -E 'user.name|java.version ='`, "user.name = sbx_user"},
	} {
		t.Run(rt.name, func(t *testing.T) {
			if _, err := os.Stat("/usr/bin/" + rt.name); err != nil {
				t.Skipf("no /usr/bin/%s on this host", rt.name)
			}
			e := create(t, d, taskRoot(t, nil), 512, 64)
			e.sh(t, rt.script)
			ex := e.wait(t, 60*time.Second)
			if ex.Code != 0 || !strings.Contains(e.out.String(), rt.want) {
				t.Fatalf("%v, output %q, want %q", ex, e.out.String(), rt.want)
			}
		})
	}
}

// needHostTool skips unless /usr/bin/name exists: sandboxes see the host's
// /usr, and some attacks are easiest written with its tools.
func needHostTool(t *testing.T, name string) {
	t.Helper()
	if _, err := os.Stat("/usr/bin/" + name); err != nil {
		t.Skipf("needs /usr/bin/%s on the host", name)
	}
}

// TestCPUShare checks that a busy 128 MB sandbox gets about its share of
// a CPU (128/1769, 7%) after init, burst and all, and not more.
func TestCPUShare(t *testing.T) {
	d := sharedDriver(t)
	e := create(t, d, taskRoot(t, nil), 128, 64)
	e.sh(t, "echo ready; while :; do :; done")
	e.out.waitFor(t, "ready")
	b := e.sb.(*box)
	b.InitDone()
	var pid int
	for _, p := range b.s.cg.procs() {
		if p != b.s.pid {
			pid = p
		}
	}
	cpu := func() time.Duration {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
		utime, _ := strconv.Atoi(f[11])
		stime, _ := strconv.Atoi(f[12])
		return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
	}
	start, used := time.Now(), cpu()
	time.Sleep(time.Second) // the measurement window
	share := float64(cpu()-used) / float64(time.Since(start))
	if share > 0.12 {
		t.Fatalf("a 128 MB sandbox used %.0f%% of a CPU, want about 7%%", share*100)
	}
	t.Logf("share %.1f%%", share*100)
}
