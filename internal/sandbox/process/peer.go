package process

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

// guarded is a sandbox's Runtime API listener that hands on only the
// connections of the sandbox's own processes (issue 14 #6: any local
// process could take /next and answer a caller). A connection's peer is
// found by its socket: the kernel's sock_diag names the inode of the socket
// at the other end (sockdiag.go), and one of the environment's processes
// (the main process and its descendants) must hold it. Other connections get 403 and are closed.
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
// c, a loopback TCP connection. The main process, which holds it but for
// runtimes that serve from a child, is looked at first.
func ownedBy(c net.Conn, pid int) bool {
	if pid == 0 {
		return false
	}
	peer, ok1 := c.RemoteAddr().(*net.TCPAddr)
	local, ok2 := c.LocalAddr().(*net.TCPAddr)
	if !ok1 || !ok2 {
		return false
	}
	inode, err := socketInode(peer, local)
	if err != nil {
		return false
	}
	want := "socket:[" + strconv.FormatUint(uint64(inode), 10) + "]"
	if holds(pid, want) {
		return true
	}
	for _, p := range tree(pid)[1:] {
		if holds(p, want) {
			return true
		}
	}
	return false
}

// holds reports whether process pid has a descriptor of target, a link
// as /proc/PID/fd shows it ("socket:[123]").
func holds(pid int, target string) bool {
	dir := "/proc/" + strconv.Itoa(pid) + "/fd/"
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if link, err := os.Readlink(dir + e.Name()); err == nil && link == target {
			return true
		}
	}
	return false
}
