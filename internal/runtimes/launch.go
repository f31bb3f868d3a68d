package runtimes

import (
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
)

// Layout is where an environment sees its directories: /var/task,
// /var/runtime and /opt inside a sandbox, host paths with the unisolated
// process driver.
type Layout struct {
	TaskRoot, RuntimeDir, OptDir string
	// HostTaskRoot and HostOptDir are where nubo itself finds the task root
	// and the layers when a sandbox mounts them elsewhere; empty means
	// TaskRoot and OptDir are host paths. Only custom runtimes need them,
	// to find the bootstrap.
	HostTaskRoot, HostOptDir string
	// MemoryMB is the function's memory size. The JVM sizes its heap from
	// it: it cannot see a sandbox's cgroup and would take the host's RAM.
	MemoryMB int
}

// Launch is how to start one environment of a runtime.
type Launch struct {
	// Argv is the command; Argv[0] is an absolute path.
	Argv []string
	// Env holds the runtime-specific variables only ("K=V"); the engine
	// adds the standard Lambda variables and the function's own.
	Env []string
}

// Launch says how to start an environment of the runtime with the given
// directories. It fails as Check does, and with ErrNoBootstrap for a custom
// runtime whose package and layers have no bootstrap.
func (c *Catalogue) Launch(runtimeID string, l Layout) (Launch, error) {
	if err := c.Check(runtimeID); err != nil {
		return Launch{}, err
	}
	rt, _ := lookup(runtimeID)
	if rt.family == provided {
		return customLaunch(l)
	}
	interp := c.interpreterFor(rt).path
	execEnv := "AWS_EXECUTION_ENV=AWS_Lambda_" + rt.id
	switch rt.family {
	case python:
		// PYTHONPATH gives AWS's order after the task root (which the client
		// puts first): layer site-packages, layer root, the runtime.
		return Launch{
			Argv: []string{interp, "-X", "utf8", path.Join(l.RuntimeDir, "python", "bootstrap.py")},
			Env: []string{execEnv, "PYTHONPATH=" + joinPaths(
				path.Join(l.OptDir, "python", "lib", "python"+rt.version, "site-packages"),
				path.Join(l.OptDir, "python"),
				path.Join(l.RuntimeDir, "python"),
			)},
		}, nil
	case nodejs:
		return Launch{
			Argv: []string{interp, "--expose-gc", "--max-http-header-size=81920",
				path.Join(l.RuntimeDir, "node", "bootstrap.cjs")},
			Env: []string{execEnv, "NODE_PATH=" + joinPaths(
				path.Join(l.OptDir, "nodejs", "node"+rt.version, "node_modules"),
				path.Join(l.OptDir, "nodejs", "node_modules"),
				path.Join(l.RuntimeDir, "node"),
				l.TaskRoot,
			)},
		}, nil
	case java:
		argv := []string{interp}
		if v, err := strconv.Atoi(rt.version); err == nil && v >= 17 {
			// From java17 on, AWS stops tiered compilation at C1 for fast
			// start-up. A flags file sets it with the lowest precedence, so
			// a function's JAVA_TOOL_OPTIONS still overrides it, as on AWS.
			argv = append(argv, "-XX:Flags="+path.Join(l.RuntimeDir, javaFlagsFile))
		}
		if l.MemoryMB > 0 {
			argv = append(argv, fmt.Sprintf("-XX:MaxRAM=%dm", l.MemoryMB))
		}
		argv = append(argv,
			"-Dfile.encoding=UTF-8",
			"-Dnubo.lambda.layers="+path.Join(l.OptDir, "java", "lib"),
			"-cp", path.Join(l.RuntimeDir, c.java), // compiled by Check above
			javaMain)
		return Launch{Argv: argv, Env: []string{execEnv}}, nil
	case ruby:
		// A trailing separator keeps the interpreter's default gem paths.
		gemVersion := rt.version + ".0"
		return Launch{
			Argv: []string{interp, path.Join(l.RuntimeDir, "ruby", "bootstrap.rb")},
			Env: []string{execEnv,
				"GEM_PATH=" + joinPaths(
					path.Join(l.TaskRoot, "vendor", "bundle", "ruby", gemVersion),
					path.Join(l.OptDir, "ruby", "gems", gemVersion),
				) + ":",
				"RUBYLIB=" + joinPaths(l.TaskRoot, path.Join(l.OptDir, "ruby", "lib")),
			},
		}, nil
	}
	return Launch{}, fmt.Errorf("runtime %s: no launcher: %w", runtimeID, ErrUnsupportedRuntime)
}

// customLaunch runs the function's own bootstrap: the package's, else a
// layer's, as Lambda looks for them.
func customLaunch(l Layout) (Launch, error) {
	candidates := []struct{ env, host string }{
		{path.Join(l.TaskRoot, "bootstrap"), hostPath(l.HostTaskRoot, l.TaskRoot, "bootstrap")},
		{path.Join(l.OptDir, "bootstrap"), hostPath(l.HostOptDir, l.OptDir, "bootstrap")},
	}
	for _, cand := range candidates {
		if st, err := os.Stat(cand.host); err == nil && !st.IsDir() {
			return Launch{Argv: []string{cand.env}}, nil
		}
	}
	return Launch{}, fmt.Errorf("Couldn't find valid bootstrap(s): [%s %s]: %w",
		candidates[0].env, candidates[1].env, ErrNoBootstrap)
}

func hostPath(host, env, name string) string {
	if host == "" {
		host = env
	}
	return path.Join(host, name)
}

func joinPaths(parts ...string) string { return strings.Join(parts, ":") }
