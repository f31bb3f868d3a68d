package linux

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// upstream is a network namespace the test creates to stand for the
// internet: reachable from the host through a veth pair, with an HTTP
// server that answers with the address it sees the client at.
func upstream(t *testing.T) (serverAddr, hostAddr string) {
	t.Helper()
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s", tool)
		}
	}
	ns := fmt.Sprintf("nubotest%d", os.Getpid()%100000)
	link := fmt.Sprintf("tup%d", os.Getpid()%100000)
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v: %s", args, err, out)
		}
	}
	run("netns", "add", ns)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	run("link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", ns)
	net3 := fmt.Sprintf("10.250.%d.", os.Getpid()%250)
	run("addr", "add", net3+"1/24", "dev", link)
	run("link", "set", link, "up")
	run("-n", ns, "addr", "add", net3+"2/24", "dev", "eth0")
	run("-n", ns, "link", "set", "eth0", "up")
	run("-n", ns, "link", "set", "lo", "up")
	nsfd, err := unix.Open("/run/netns/"+ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(nsfd)
	var ln net.Listener
	err = inNamespaces(nsfd, unix.CLONE_NEWNET, func() (err error) {
		ln, err = net.Listen("tcp", net3+"2:8080")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		io.WriteString(w, "seen-as-"+host)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return net3 + "2:8080", net3 + "1"
}

func TestOutboundNetwork(t *testing.T) {
	needRoot(t)
	needHostTool(t, "python3")
	needHostTool(t, "curl")
	forwardBefore, _ := os.ReadFile(ipForward)
	sharedBefore := forwardingShared(t)
	server, hostAddr := upstream(t)
	// A host service on the upstream link's host address and on loopback.
	lnHost, err := net.Listen("tcp", hostAddr+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer lnHost.Close()
	lnLo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lnLo.Close()

	t.Run("sandboxes", func(t *testing.T) {
		d := newDriver(t, Options{Network: NetworkOutbound, Subnet: fmt.Sprintf("10.251.%d.0/24", os.Getpid()%250), CgroupParent: testParent("net")})
		b := create(t, d, taskRoot(t, nil), 256, 64)
		b.sh(t, `python3 -m http.server 8000 --bind 0.0.0.0 >/dev/null 2>&1 & for i in $(seq 100); do c=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8000/); [ "$c" = 200 ] && break; sleep 0.1; done; echo local=$c; exec sleep 1000`)
		b.out.waitFor(t, "local=")
		if !strings.Contains(b.out.String(), "local=200") {
			t.Fatalf("neighbor's server: %q", b.out.String())
		}
		_, bIP := d.net.addrs(b.sb.(*box).s.net.veth.slot)

		a := create(t, d, taskRoot(t, nil), 256, 64)
		try := func(name, url string) string {
			return fmt.Sprintf(`echo %s=$(curl -s --max-time 2 %s; echo " exit=$?")`, name, url)
		}
		a.sh(t, strings.Join([]string{
			try("upstream", "http://"+server+"/"),
			try("host-address", "http://"+lnHost.Addr().String()+"/"),
			try("host-loopback", "http://"+lnLo.Addr().String()+"/"),
			try("neighbor", "http://"+bIP.String()+":8000/"),
			try("metadata", "http://169.254.169.254/"),
		}, "; "))
		a.wait(t, 60*time.Second)
		out := a.out.String()
		hostSide, _ := d.net.addrs(a.sb.(*box).s.net.veth.slot)
		want := map[string]string{
			"upstream":      "seen-as-" + hostAddr + " exit=0", // masqueraded
			"host-address":  "exit=28",                         // dropped: timeout
			"host-loopback": "exit=7",                          // the sandbox's own loopback: refused
			"neighbor":      "exit=28",
			"metadata":      "exit=28",
		}
		for name, w := range want {
			if got := strings.TrimSpace(strings.TrimPrefix(lineWith(out, name+"="), name+"=")); got != w {
				t.Errorf("%s: got %q, want %q (sandbox gateway %s)", name, got, w, hostSide)
			}
		}
	})
	// Forwarding is back as it was, unless another nubo on the host (a
	// test run beside this one) shared it: then the last one puts back
	// what the first found (TestForwardingShared).
	if after, _ := os.ReadFile(ipForward); string(after) != string(forwardBefore) && !sharedBefore && !forwardingShared(t) {
		t.Errorf("ip_forward left at %q, was %q", after, forwardBefore)
	}
}

// forwardingShared reports whether another nubo holds the host's
// forwarding record.
func forwardingShared(t *testing.T) bool {
	f, err := os.OpenFile(forwardRecord, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil
}
