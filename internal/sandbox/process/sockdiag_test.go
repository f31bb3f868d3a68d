package process

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"

	"github.com/nubo-dev/nubo/internal/netlink"
	"golang.org/x/sys/unix"
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

// FuzzDiagInode feeds the kernel's answer, whole, to the netlink answer
// reader and then to diagInode.
func FuzzDiagInode(f *testing.F) {
	ne := binary.NativeEndian
	answer := make([]byte, unix.NLMSG_HDRLEN+inetDiagMsgLen)
	ne.PutUint32(answer[0:], uint32(len(answer)))
	ne.PutUint16(answer[4:], sockDiagByFamily)
	ne.PutUint32(answer[8:], 1)
	ne.PutUint32(answer[unix.NLMSG_HDRLEN+inodeOffset:], 12345)
	f.Add(answer)
	errAnswer := make([]byte, unix.NLMSG_HDRLEN+4)
	ne.PutUint32(errAnswer[0:], uint32(len(errAnswer)))
	ne.PutUint16(errAnswer[4:], unix.NLMSG_ERROR)
	ne.PutUint32(errAnswer[8:], 1)
	ne.PutUint32(errAnswer[unix.NLMSG_HDRLEN:], uint32(0xfffffffe)) // -ENOENT
	f.Add(errAnswer)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		payload, found, err := netlink.Answer(b, 1)
		if !found || err != nil {
			return
		}
		inode, err := diagInode(payload)
		if err == nil && len(payload) < inetDiagMsgLen {
			t.Errorf("inode %d from %d bytes", inode, len(payload))
		}
	})
}
