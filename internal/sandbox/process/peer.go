package process

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// guarded is a sandbox's Runtime API listener that hands on only the
// connections of the sandbox's own processes (issue 14 #6: any local
// process could take /next and answer a caller). A connection's peer is
// found by its socket: /proc/net/tcp names the inode of the socket at the
// other end, and one of the environment's processes (the main process and
// its descendants) must hold it. Other connections get 403 and are closed.
// This works whatever the runtime client does with AWS_LAMBDA_RUNTIME_API
// (a path token in the address would not survive clients that keep only
// host and port). It stops other users' processes and unrelated processes
// of nubo's user; a process of nubo's user that ptraces the runtime is
// beyond what this driver isolates.
type guarded struct {
	net.Listener
	main func() int // the main process's pid; 0 before Start
}

func (l *guarded) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if ownedBy(c, l.main()) {
			return c, nil
		}
		go refuse(c) // bounded by its deadline
	}
}

// refuse reads what the request sent (so that closing does not reset the
// connection under the answer) and answers 403.
func refuse(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	const body = `{"errorMessage":"this Runtime API belongs to another execution environment","errorType":"AccessDenied"}`
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil || line == "\r\n" || line == "\n" {
			break
		}
	}
	fmt.Fprintf(c, "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
}

// ownedBy reports whether the process tree of pid holds the other end of
// c, a loopback TCP connection.
func ownedBy(c net.Conn, pid int) bool {
	if pid == 0 {
		return false
	}
	peer, ok1 := c.RemoteAddr().(*net.TCPAddr)
	local, ok2 := c.LocalAddr().(*net.TCPAddr)
	if !ok1 || !ok2 {
		return false
	}
	inode := socketInode(peer, local)
	if inode == "" {
		return false
	}
	want := "socket:[" + inode + "]"
	for _, p := range tree(pid) {
		dir := "/proc/" + strconv.Itoa(p) + "/fd/"
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if target, err := os.Readlink(dir + e.Name()); err == nil && target == want {
				return true
			}
		}
	}
	return false
}

// socketInode finds in /proc/net/tcp the inode of the IPv4 socket bound to
// local and connected to remote.
func socketInode(local, remote *net.TCPAddr) string {
	l, r := procNetAddr(local), procNetAddr(remote)
	if l == "" || r == "" {
		return ""
	}
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		fields := strings.Fields(sc.Text())
		if len(fields) > 9 && fields[1] == l && fields[2] == r {
			return fields[9]
		}
	}
	return ""
}

// procNetAddr renders an IPv4 address as /proc/net/tcp does: the address
// bytes read as a native-endian word, and the port, both in hex.
func procNetAddr(a *net.TCPAddr) string {
	ip := a.IP.To4()
	if ip == nil {
		return ""
	}
	return fmt.Sprintf("%08X:%04X", binary.NativeEndian.Uint32(ip), a.Port)
}

// tree lists pid and its descendants, from the kernel's per-thread lists
// of children.
func tree(pid int) []int {
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		dir := "/proc/" + strconv.Itoa(out[i]) + "/task/"
		tasks, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, t := range tasks {
			data, err := os.ReadFile(dir + t.Name() + "/children")
			if err != nil {
				continue
			}
			for _, f := range strings.Fields(string(data)) {
				if c, err := strconv.Atoi(f); err == nil {
					out = append(out, c)
				}
			}
		}
	}
	return out
}
