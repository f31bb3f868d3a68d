package bench

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/nubo-dev/nubo/internal/server"
)

// ServerOptions are what a benchmark chooses of the server it measures.
type ServerOptions struct {
	Sandbox      string // driver; "" as nubo serve chooses
	NoForkServer bool   // start every Python interpreter
	Auth         string // server.AuthSigV4 ("") or server.AuthNone
}

// StartServer runs a quiet nubo over dir/data on a free loopback port; stop
// ends it.
func StartServer(ctx context.Context, dir string, opts ServerOptions) (srv *server.Server, stop func(), err error) {
	srv, err = server.New(ctx, server.Config{
		Addr: "127.0.0.1:0", DataDir: filepath.Join(dir, "data"), Account: "000000000000", Region: "us-east-1",
		MaxConcurrency: 1000, KeepAlive: 10 * time.Minute, Sandbox: opts.Sandbox, NoForkServer: opts.NoForkServer,
		Auth: opts.Auth, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return nil, nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Run(runCtx) }()
	stop = func() {
		cancel()
		<-done
	}
	if err := CreateRole(ctx, srv.Addr()); err != nil {
		stop()
		return nil, nil, err
	}
	return srv, stop, nil
}

// NoopZip builds the no-op function (internal/bench/noop of the repository
// at source) as a custom runtime's bootstrap, and zips it.
func NoopZip(source string) ([]byte, error) {
	return FunctionZip(source, "./internal/bench/noop")
}

// FunctionZip builds the Go function in package pkg of the repository at
// source as a custom runtime's bootstrap, and zips it.
func FunctionZip(source, pkg string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "nubo-fn-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin, err := buildBinary(source, pkg, dir)
	if err != nil {
		return nil, err
	}
	return zipBootstrap(bin)
}

// noopBinary builds the no-op function into dir and returns its path.
func noopBinary(source, dir string) (string, error) {
	return buildBinary(source, "./internal/bench/noop", dir)
}

// buildBinary builds package pkg into dir and returns its path.
func buildBinary(source, pkg, dir string) (string, error) {
	bin := filepath.Join(dir, "bootstrap")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, pkg)
	cmd.Dir = source
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the function %s (run from the repository): %v\n%s", pkg, err, out)
	}
	return bin, nil
}

// zipBootstrap zips the executable at bin as a custom runtime's bootstrap.
func zipBootstrap(bin string) ([]byte, error) {
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	hdr := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	hdr.SetMode(0o755)
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return nil, err
	}
	w.Write(data)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
