package linux

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The attack tests run what a hostile function would try inside sandboxes
// and assert the exact outcome of each attempt. After each, the driver must
// still create and run sandboxes (checkHealthy).

func checkHealthy(t *testing.T, d *Driver) {
	t.Helper()
	e := create(t, d, taskRoot(t, nil), 128, 64)
	e.sh(t, "echo healthy")
	if ex := e.wait(t, 20*time.Second); ex.Code != 0 || !strings.Contains(e.out.String(), "healthy") {
		t.Fatalf("driver unhealthy after the attack: %v %q", ex, e.out.String())
	}
}

// hostIP returns an address of the host that is not loopback.
func hostIP(t *testing.T) string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if ip, ok := a.(*net.IPNet); ok && ip.IP.To4() != nil && !ip.IP.IsLoopback() {
			return ip.IP.String()
		}
	}
	return "192.0.2.1"
}

func TestAttackSyscallsAndFiles(t *testing.T) {
	d := sharedDriver(t)
	hostName, _ := os.Hostname()
	// A service of the host on loopback and on another address, which no
	// sandbox may reach.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ip := hostIP(t)
	lnIP, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer lnIP.Close()

	e := create(t, d, taskRoot(t, nil, buildTool(t, "attack")), 256, 64)
	e.start(t, []string{"/var/task/attack"}, "HOST_PID="+strconv.Itoa(os.Getpid()),
		"HOST_ADDR="+ln.Addr().String(), "HOST_IP="+lnIP.Addr().String())
	if ex := e.wait(t, 60*time.Second); ex.Code != 0 {
		t.Fatalf("attack program: %v %q", ex, e.out.String())
	}
	const (
		eperm  = "operation not permitted"
		eacces = "permission denied"
		erofs  = "read-only file system"
		enosys = "function not implemented"
	)
	want := map[string]string{
		"mount": eperm, "umount-proc": eperm, "unshare-user": eperm, "unshare-net": eperm,
		"clone-newuser": eperm, "clone3": enosys, "setns": eacces,
		"ptrace-init": eperm, "kill-init": eperm, "kill-host-process": "no such process",
		"read-init-environ": eacces, "open-init-root": eacces,
		"init-module": eperm, "finit-module": eperm, "delete-module": eperm,
		"settimeofday": eperm, "clock-settime": eperm, "sethostname": eperm,
		"setuid-root": eperm, "chroot": eperm, "mknod": eperm, "raw-socket": eperm,
		"bpf": eperm, "perf-event-open": eperm, "keyctl": eperm, "userfaultfd": eperm,
		"io-uring": enosys, "syslog": eperm, "reboot": eperm,
		"write-task": erofs, "write-etc": erofs, "write-usr": erofs, "write-root": erofs,
		"write-opt": erofs, "write-dev": erofs, "write-sysctl": eacces, "write-tmp": "ok",
		"host-loopback": "connection refused", "host-address": "network is unreachable",
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(e.out.String()), "\n") {
		if name, result, ok := strings.Cut(line, ": "); ok {
			got[name] = result
		}
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: got %q, want %q", name, got[name], w)
		}
	}
	if h, _ := os.Hostname(); h != hostName {
		t.Errorf("host name changed from %q to %q", hostName, h)
	}
	checkHealthy(t, d)
}

func TestAttackHostnameIsolated(t *testing.T) {
	d := sharedDriver(t)
	before, _ := os.Hostname()
	e := create(t, d, taskRoot(t, nil), 128, 64)
	e.sh(t, `hostname; cat /proc/sys/kernel/hostname`)
	e.wait(t, 20*time.Second)
	if got := e.out.String(); got != "sandbox\nsandbox\n" {
		t.Errorf("sandbox sees hostname %q, want sandbox", got)
	}
	if after, _ := os.Hostname(); after != before {
		t.Errorf("host name changed from %q to %q", before, after)
	}
}

// TestAttackOtherSandboxes has one sandbox look for another's code and /tmp
// while both run.
func TestAttackOtherSandboxes(t *testing.T) {
	d := sharedDriver(t)
	victimRoot := taskRoot(t, map[string]string{"secret-code.txt": "victim-code"})
	victim := create(t, d, victimRoot, 128, 64)
	victim.sh(t, `echo victim-tmp > /tmp/secret-tmp.txt; echo ready; exec sleep 1000`)
	victim.out.waitFor(t, "ready")

	spy := create(t, d, taskRoot(t, nil), 128, 64)
	spy.sh(t, fmt.Sprintf(`
		cat %s/secret-code.txt 2>&1
		find / -xdev -name 'secret-*' 2>/dev/null | head
		grep -rl victim- /tmp /var /opt 2>/dev/null
		for p in /proc/[0-9]*; do cat $p/root/tmp/secret-tmp.txt 2>/dev/null; done
		echo pids: $(ls -d /proc/[0-9]* | sed 's|/proc/||' | sort -n | tr '\n' ' ')
		echo done`, victimRoot))
	spy.wait(t, 30*time.Second)
	out := spy.out.String()
	if strings.Contains(out, "victim-code") || strings.Contains(out, "victim-tmp") || strings.Contains(out, "secret-") && !strings.Contains(out, "No such file") {
		t.Errorf("spy saw the victim's files: %q", out)
	}
	if !strings.Contains(out, "No such file or directory") || !strings.Contains(out, "done") {
		t.Errorf("output %q", out)
	}
	// Only the spy's own processes: PID 1, its shell and the ls pipeline.
	for _, f := range strings.Fields(strings.TrimPrefix(lineWith(out, "pids:"), "pids:")) {
		if n, _ := strconv.Atoi(f); n > 20 {
			t.Errorf("spy sees pid %d; its own are few and small: %q", n, out)
		}
	}
	select {
	case <-victim.sb.Done():
		t.Fatal("victim died")
	default:
	}
	t.Logf("spy: %q", out)
	checkHealthy(t, d)
}

func lineWith(s, prefix string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}
