package s3bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// PeerVersion is the versitygw the benchmark compares with.
const PeerVersion = "v1.8.0"

// PeerBinary returns the versitygw binary at path, or, when path is "",
// the one in cacheDir, building it there with `go install` (the Go module
// proxy) when it is missing. It never touches nubo's go.mod.
func PeerBinary(ctx context.Context, path, cacheDir string, logf func(string, ...any)) (string, error) {
	if path != "" {
		return path, nil
	}
	dir := filepath.Join(cacheDir, "versitygw-"+PeerVersion)
	bin := filepath.Join(dir, "versitygw")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	logf("building versitygw %s into %s (once)", PeerVersion, dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "install", "github.com/versity/versitygw/cmd/versitygw@"+PeerVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=")
	cmd.Dir = dir // outside any module: go install pkg@version ignores nubo's go.mod anyway
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build versitygw: %v\n%s", err, out)
	}
	return bin, nil
}

// peer is a running versitygw serving a directory with its posix backend.
type peer struct {
	cmd  *exec.Cmd
	addr string
}

// startPeer runs bin on a free loopback port over dir, with the root
// credentials the benchmark signs with.
func startPeer(ctx context.Context, bin, dir string) (*peer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "--access", accessKey, "--secret", secretKey, "--region", "us-east-1",
		"--port", addr, "posix", dir)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start versitygw: %w", err)
	}
	p := &peer{cmd: cmd, addr: addr}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return p, nil
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("versitygw did not listen on %s", addr)
		}
	}
}

func (p *peer) stop() {
	p.cmd.Process.Kill()
	p.cmd.Wait()
}
