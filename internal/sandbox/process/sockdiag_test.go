package process

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"
)

// TestSocketInode checks the kernel's answer against /proc/self/fd: the
// inode of each end of a loopback connection, and none for a connection
// that does not exist.
func TestSocketInode(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	for _, c := range []net.Conn{client, server} {
		local, remote := c.LocalAddr().(*net.TCPAddr), c.RemoteAddr().(*net.TCPAddr)
		got, err := socketInode(local, remote)
		if err != nil {
			t.Fatal(err)
		}
		if want := inodeOf(t, c); got != want {
			t.Errorf("socketInode(%v, %v) = %d; want %d", local, remote, got, want)
		}
	}
	gone := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}
	if inode, err := socketInode(gone, client.LocalAddr().(*net.TCPAddr)); err == nil {
		t.Errorf("a connection that does not exist: inode %d, no error", inode)
	}
}

// inodeOf reads the inode of c's socket from /proc/self/fd.
func inodeOf(t *testing.T, c net.Conn) uint32 {
	t.Helper()
	raw, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var link string
	raw.Control(func(fd uintptr) { link, err = os.Readlink("/proc/self/fd/" + strconv.Itoa(int(fd))) })
	if err != nil {
		t.Fatal(err)
	}
	var inode uint32
	if _, err := fmt.Sscanf(link, "socket:[%d]", &inode); err != nil {
		t.Fatalf("%q: %v", link, err)
	}
	return inode
}

func FuzzDiagInode(f *testing.F) {
	answer := make([]byte, nlmsgHdrLen+inetDiagMsgLen)
	binary.NativeEndian.PutUint16(answer[4:], sockDiagByFamily)
	binary.NativeEndian.PutUint32(answer[nlmsgHdrLen+inodeOffset:], 12345)
	f.Add(answer)
	errAnswer := make([]byte, nlmsgHdrLen+4)
	binary.NativeEndian.PutUint16(errAnswer[4:], nlmsgError)
	binary.NativeEndian.PutUint32(errAnswer[nlmsgHdrLen:], uint32(0xfffffffe)) // -ENOENT
	f.Add(errAnswer)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		inode, err := diagInode(b)
		if err == nil && len(b) < nlmsgHdrLen+inetDiagMsgLen {
			t.Errorf("inode %d from %d bytes", inode, len(b))
		}
	})
}
