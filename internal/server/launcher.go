package server

import (
	"github.com/nubo-dev/nubo/internal/runtimes"
	"github.com/nubo-dev/nubo/internal/sandbox"
)

// runtimeLauncher adapts the runtime catalogue to the engine.
type runtimeLauncher struct {
	catalogue *runtimes.Catalogue
}

func (l runtimeLauncher) Launch(runtime string, p sandbox.Paths, taskRoot string) ([]string, []string, error) {
	launch, err := l.catalogue.Launch(runtime, runtimes.Layout{
		TaskRoot: p.TaskRoot, RuntimeDir: p.RuntimeDir, OptDir: p.OptDir, HostTaskRoot: taskRoot,
	})
	return launch.Argv, launch.Env, err
}

func (l runtimeLauncher) RuntimeDir() string { return l.catalogue.RuntimeDir() }

func (l runtimeLauncher) Version(runtime string) string { return l.catalogue.Version(runtime) }
