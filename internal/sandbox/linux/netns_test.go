package linux

import (
	"errors"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A closed listener that a forked child still holds (here a duplicate of
// its descriptor, closed a moment later) keeps its address taken until
// the child lets go; listenReused waits for it (here for up to 10 s).
func TestListenReusedWaitsForALingeringListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	held, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if _, err := net.Listen("tcp", addr); !errors.Is(err, unix.EADDRINUSE) {
		t.Fatalf("listen beside the held listener: %v, want EADDRINUSE", err)
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		held.Close()
	}()
	again, err := listenWaiting("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	again.Close()
}
