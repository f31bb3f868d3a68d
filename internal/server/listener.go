package server

import (
	"net"
	"sync"
	"time"
)

// Slow and greedy clients. AWS's front ends give up on a connection that
// sends nothing for 20 seconds (S3's RequestTimeout: "not read from or
// written to within the timeout period"), and close idle keep-alive
// connections after about a minute (60 s, an Application Load Balancer's
// default). nubo does the same, and caps the connections one client address
// holds open so that one client cannot exhaust its file descriptors.
const (
	DefaultHeaderTimeout        = 20 * time.Second
	IdleTimeout                 = 60 * time.Second
	DefaultMaxClientConnections = 1024
)

// clientLimit closes the connections a client address opens beyond max.
type clientLimit struct {
	net.Listener
	max  int
	mu   sync.Mutex
	open map[string]int
}

func limitClients(ln net.Listener, max int) *clientLimit {
	return &clientLimit{Listener: ln, max: max, open: map[string]int{}}
}

func (l *clientLimit) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
		l.mu.Lock()
		full := l.open[host] >= l.max
		if !full {
			l.open[host]++
		}
		l.mu.Unlock()
		if full {
			c.Close()
			continue
		}
		return &clientConn{Conn: c, l: l, host: host}, nil
	}
}

// clientConn counts itself out of its client's connections once closed.
type clientConn struct {
	net.Conn
	l    *clientLimit
	host string
	once sync.Once
}

func (c *clientConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		if c.l.open[c.host]--; c.l.open[c.host] <= 0 {
			delete(c.l.open, c.host)
		}
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}
