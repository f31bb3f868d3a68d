package server

import (
	"maps"
	"os"

	"github.com/nubo-dev/nubo/internal/runtimes"
	"github.com/nubo-dev/nubo/internal/sandbox"
)

// runtimeLauncher adapts the runtime catalogue to the engine.
type runtimeLauncher struct {
	catalogue *runtimes.Catalogue
}

func (l runtimeLauncher) Launch(runtime string, p sandbox.Paths, taskRoot string, memoryMB int) ([]string, []string, error) {
	launch, err := l.catalogue.Launch(runtime, runtimes.Layout{
		TaskRoot: p.TaskRoot, RuntimeDir: p.RuntimeDir, OptDir: p.OptDir, HostTaskRoot: taskRoot, MemoryMB: memoryMB,
	})
	return launch.Argv, launch.Env, err
}

func (l runtimeLauncher) RuntimeDir() string { return l.catalogue.RuntimeDir() }

func (l runtimeLauncher) Version(runtime string) string { return l.catalogue.Version(runtime) }

// interpreters prefers the system's Python over one found first on PATH
// (a pyenv shim, say): it lives under /usr, which sandboxes can see, and
// starts without a shim's detour.
func interpreters(configured map[string]string) map[string]string {
	out := maps.Clone(configured)
	if out == nil {
		out = map[string]string{}
	}
	if _, set := out["python"]; !set {
		if _, err := os.Stat("/usr/bin/python3"); err == nil {
			out["python"] = "/usr/bin/python3"
		}
	}
	return out
}
