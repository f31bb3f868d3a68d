package server

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/nubo-dev/nubo/internal/lambda"
	"github.com/nubo-dev/nubo/internal/sandbox"
)

// customLauncher starts custom runtimes: the package's own bootstrap.
type customLauncher struct{}

func (customLauncher) Launch(runtime string, p sandbox.Paths) ([]string, []string, error) {
	if !lambda.IsCustomRuntime(runtime) {
		return nil, nil, fmt.Errorf("runtime %s is not available on this machine", runtime)
	}
	for _, dir := range []string{p.TaskRoot, p.OptDir} {
		if _, err := os.Stat(filepath.Join(dir, "bootstrap")); err == nil {
			return []string{filepath.Join(dir, "bootstrap")}, nil, nil
		}
	}
	return []string{filepath.Join(p.TaskRoot, "bootstrap")}, nil, nil
}

func (customLauncher) RuntimeDir() string { return "" }

func (customLauncher) Version(runtime string) string { return "provided:al2023.v1" }
