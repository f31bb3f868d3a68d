package server_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/nubo-dev/nubo/internal/server"
)

// A web page cannot use nubo through the browser of the user: not by a
// form post from another site (issue 14 #3), not by DNS rebinding (a Host
// of its own), in either auth mode.
func TestWebPagesAreRefused(t *testing.T) {
	for _, mode := range []string{server.AuthSigV4, server.AuthNone} {
		n := startNuboWith(t, "", func(c *server.Config) { c.Auth = mode })
		body := `{"FunctionName":"evil","Role":"` + role + `","Runtime":"provided.al2023","Handler":"x","Code":{"ZipFile":"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}`
		for _, c := range []struct {
			name   string
			header map[string]string
		}{
			{"text/plain post from another site", map[string]string{"Content-Type": "text/plain", "Origin": "http://evil.example"}},
			{"fetch from another site", map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}},
			{"DNS rebinding", map[string]string{"Content-Type": "application/json", "Host": "evil.example:4566"}},
		} {
			header := c.header
			if mode == server.AuthSigV4 { // signed, so that only the browser's marks refuse it
				header = withSigned(header)
			}
			resp := n.doHost(t, "POST", "/2015-03-31/functions", header, []byte(body))
			if resp.status != 403 || resp.header.Get("X-Amzn-ErrorType") != "AccessDeniedException" {
				t.Errorf("%s, %s: %d %s %s", mode, c.name, resp.status, resp.header.Get("X-Amzn-ErrorType"), resp.body)
			}
		}
		if _, err := n.client.GetFunction(context.Background(), &lambda.GetFunctionInput{FunctionName: aws.String("evil")}); err == nil {
			t.Errorf("%s: a web page created a function", mode)
		}
	}
}

func withSigned(h map[string]string) map[string]string {
	out := signedFor("lambda")
	for k, v := range h {
		out[k] = v
	}
	return out
}

// doHost is do with the Host header of header["Host"], if any.
func (n *nubo) doHost(t *testing.T, method, path string, header map[string]string, body []byte) wireResponse {
	t.Helper()
	if host, ok := header["Host"]; ok {
		h := map[string]string{hostHeader: host}
		for k, v := range header {
			if k != "Host" {
				h[k] = v
			}
		}
		header = h
	}
	return n.do(t, method, path, header, body)
}

// Clients that send part of a request and stop are cut off after the
// timeouts, however many, and do not keep others from being served (issue
// 14 #11). Loopback only.
func TestSlowClientsAreCutOff(t *testing.T) {
	const conns = 1000
	timeout := time.Second
	n := startNuboWith(t, "", func(c *server.Config) { c.HeaderTimeout, c.BodyIdleTimeout = timeout, timeout })
	var open []net.Conn
	for i := range conns {
		c, err := net.Dial("tcp", n.addr)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		defer c.Close()
		if i%2 == 0 { // half the headers
			io.WriteString(c, "POST /2015-03-31/functions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
		} else { // the headers and half the body
			io.WriteString(c, "POST /2015-03-31/functions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{\"FunctionName\":")
		}
		open = append(open, c)
	}
	started := time.Now()
	if _, err := n.client.ListFunctions(context.Background(), &lambda.ListFunctionsInput{}); err != nil {
		t.Fatalf("a normal client, with %d slow ones: %v", conns, err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var longest time.Duration
	stayed := 0
	for _, c := range open {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.SetReadDeadline(started.Add(timeout + 30*time.Second))
			_, err := io.Copy(io.Discard, c) // until the server closes it
			mu.Lock()
			defer mu.Unlock()
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				stayed++
			}
			longest = max(longest, time.Since(started))
		}()
	}
	wg.Wait()
	if stayed > 0 || longest > timeout+10*time.Second {
		t.Errorf("%d of %d slow connections stayed open 30 s past the %v timeout; the last closed after %v", stayed, conns, timeout, longest)
	}
	t.Logf("%d slow connections closed within %v (timeout %v)", conns, longest.Round(time.Millisecond), timeout)
}

// One client address holds at most so many connections.
func TestConnectionsPerClientAreCapped(t *testing.T) {
	n := startNuboWith(t, "", func(c *server.Config) { c.MaxClientConnections = 3 })
	var held []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", n.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	extra, err := net.Dial("tcp", n.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	extra.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := extra.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "reset") {
		t.Errorf("a fourth connection: %v, want it closed", err)
	}
	held[0].Close()
	// The freed slot serves again (the SDK retries a refused connection).
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := n.client.ListFunctions(context.Background(), &lambda.ListFunctionsInput{})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a connection closed: %v", err)
		}
	}
}

// With the default root secret nubo serves loopback addresses only, and
// says why it refuses others; its data directory is its user's alone.
func TestDefaultSecretServesOnlyLoopback(t *testing.T) {
	dir := t.TempDir() + "/data"
	cfg := server.Config{Addr: "0.0.0.0:0", DataDir: dir, Account: account, Region: region, Sandbox: "process",
		Logger: slog.New(slog.DiscardHandler)}
	_, err := server.New(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "refuses to serve 0.0.0.0:0 with the default root secret access key") {
		t.Fatalf("New on 0.0.0.0 with the default secret: %v", err)
	}
	n := startNuboWith(t, dir, nil)
	info, err := os.Stat(n.dir)
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("data directory: %v %v, want 0700", info.Mode(), err)
	}
}
