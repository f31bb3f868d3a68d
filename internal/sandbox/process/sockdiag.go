package process

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"syscall"
)

// The kernel's sock_diag interface (linux/sock_diag.h, linux/inet_diag.h).
const (
	netlinkSockDiag  = 4  // NETLINK_SOCK_DIAG
	sockDiagByFamily = 20 // SOCK_DIAG_BY_FAMILY
	nlmsgError       = 2  // NLMSG_ERROR
	nlmsgHdrLen      = 16
	inetDiagReqLen   = 56 // struct inet_diag_req_v2
	inetDiagMsgLen   = 72 // struct inet_diag_msg
	inodeOffset      = 68 // of idiag_inode in struct inet_diag_msg
)

// socketInode asks the kernel for the inode of the IPv4 TCP socket bound to
// local and connected to remote: one exact lookup over NETLINK_SOCK_DIAG,
// where reading /proc/net/tcp made the kernel print every socket of the
// network namespace (about 2 ms on a busy machine).
func socketInode(local, remote *net.TCPAddr) (uint32, error) {
	req, err := diagRequest(local, remote)
	if err != nil {
		return 0, err
	}
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, netlinkSockDiag)
	if err != nil {
		return 0, fmt.Errorf("sock_diag socket: %w", err)
	}
	defer syscall.Close(fd)
	if err := syscall.Sendto(fd, req, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return 0, fmt.Errorf("sock_diag request: %w", err)
	}
	buf := make([]byte, 1024)
	n, _, err := syscall.Recvfrom(fd, buf, 0)
	if err != nil {
		return 0, fmt.Errorf("sock_diag answer: %w", err)
	}
	return diagInode(buf[:n])
}

// diagRequest is a SOCK_DIAG_BY_FAMILY request for one TCP socket.
func diagRequest(local, remote *net.TCPAddr) ([]byte, error) {
	src, dst := local.IP.To4(), remote.IP.To4()
	if src == nil || dst == nil {
		return nil, errors.New("sock_diag: not an IPv4 connection")
	}
	b := make([]byte, nlmsgHdrLen+inetDiagReqLen)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], uint32(len(b)))
	ne.PutUint16(b[4:], sockDiagByFamily)
	ne.PutUint16(b[6:], syscall.NLM_F_REQUEST)
	r := b[nlmsgHdrLen:]
	r[0], r[1] = syscall.AF_INET, syscall.IPPROTO_TCP
	ne.PutUint32(r[4:], ^uint32(0)) // every state
	id := r[8:]                     // struct inet_diag_sockid
	binary.BigEndian.PutUint16(id[0:], uint16(local.Port))
	binary.BigEndian.PutUint16(id[2:], uint16(remote.Port))
	copy(id[4:], src)
	copy(id[20:], dst)
	ne.PutUint32(id[40:], ^uint32(0)) // INET_DIAG_NOCOOKIE
	ne.PutUint32(id[44:], ^uint32(0))
	return b, nil
}

// diagInode reads the socket's inode from the kernel's answer.
func diagInode(b []byte) (uint32, error) {
	if len(b) < nlmsgHdrLen {
		return 0, errors.New("sock_diag: short answer")
	}
	ne := binary.NativeEndian
	switch typ := ne.Uint16(b[4:]); typ {
	case nlmsgError:
		if len(b) < nlmsgHdrLen+4 {
			return 0, errors.New("sock_diag: short error")
		}
		return 0, fmt.Errorf("sock_diag: %w", syscall.Errno(-int32(ne.Uint32(b[nlmsgHdrLen:]))))
	case sockDiagByFamily:
		if len(b) < nlmsgHdrLen+inetDiagMsgLen {
			return 0, errors.New("sock_diag: short answer")
		}
		return ne.Uint32(b[nlmsgHdrLen+inodeOffset:]), nil
	default:
		return 0, fmt.Errorf("sock_diag: answer of type %d", typ)
	}
}
