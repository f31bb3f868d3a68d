package runtimes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// interpreter is a resolved interpreter, or why there is none.
type interpreter struct {
	path    string
	version string // as the interpreter reports it, for logs
	err     error
}

// probeTimeout bounds one interpreter's self-report at New.
const probeTimeout = 30 * time.Second

// probes make an interpreter print its real executable and its version.
// Asking it, rather than resolving paths ourselves, sees through version
// managers' shims (pyenv, rbenv, nvm), which are scripts that would cost
// every cold start hundreds of milliseconds.
var probes = map[family][]string{
	python: {"-c", "import sys; print(sys.executable); print('%d.%d.%d' % sys.version_info[:3])"},
	nodejs: {"-e", "console.log(process.execPath); console.log(process.versions.node)"},
	ruby:   {"--disable-gems", "-e", "require 'rbconfig'; puts RbConfig.ruby; puts RUBY_VERSION"},
	java:   {"-XshowSettings:properties", "-version"},
}

// checkOverrides refuses configured interpreters for keys that are neither
// a family nor a runtime with an interpreter.
func checkOverrides(overrides map[string]string) error {
	for key, path := range overrides {
		if key == "javac" {
			continue
		}
		if _, ok := familyOf(key); ok {
			continue
		}
		if rt, err := lookup(key); err != nil || rt.family == provided {
			return fmt.Errorf("runtime interpreter %s=%s: %q is neither a runtime with an interpreter nor a family (python, nodejs, java, ruby)",
				key, path, key)
		}
	}
	return nil
}

// findInterpreters probes the configured interpreters and the families'
// defaults (checkOverrides has vetted the keys).
func (c *Catalogue) findInterpreters(overrides map[string]string) {
	jobs := map[string]func() interpreter{}
	configuredFamilies := map[family]bool{}
	for key, path := range overrides {
		if key == "javac" {
			continue
		}
		f, ok := familyOf(key)
		if ok {
			configuredFamilies[f] = true
		} else {
			rt, _ := lookup(key)
			f = rt.family
		}
		jobs[key] = func() interpreter { return configured(key, path, f) }
	}
	for f, cmd := range commands {
		if configuredFamilies[f] {
			continue
		}
		jobs[string(f)] = func() interpreter {
			path, err := exec.LookPath(cmd)
			if err != nil {
				return interpreter{err: fmt.Errorf("none found on PATH as %q", cmd)}
			}
			return probe(f, path)
		}
	}
	for key, in := range probeAll(jobs) {
		if f, ok := familyOf(key); ok {
			c.byFam[f] = in
		} else {
			c.byID[key] = in
		}
		if in.err != nil {
			c.log.Info("runtime interpreter not available", "runtime", key, "error", in.err)
		} else {
			c.log.Debug("runtime interpreter", "runtime", key, "path", in.path, "version", in.version)
		}
	}
}

func familyOf(key string) (family, bool) {
	switch key {
	case "python", "python3":
		return python, true
	case "nodejs", "node":
		return nodejs, true
	case "java":
		return java, true
	case "ruby":
		return ruby, true
	}
	return "", false
}

// configured checks and probes an interpreter given in the configuration.
func configured(key, path string, f family) interpreter {
	missing := interpreter{err: fmt.Errorf("none found at %s (from --runtime-interpreter %s=%s)", path, key, path)}
	if !filepath.IsAbs(path) {
		found, err := exec.LookPath(path)
		if err != nil {
			return missing
		}
		path = found
	}
	st, err := os.Stat(path)
	if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return missing
	}
	if f == "" {
		return interpreter{path: path}
	}
	return probe(f, path)
}

// probe runs the interpreter once to learn its real executable and version.
func probe(f family, path string) interpreter {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, path, probes[f]...)
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return interpreter{err: fmt.Errorf("%s does not run: %w: %s", path, err, strings.TrimSpace(tail(out.String())))}
	}
	if f == java {
		return javaFromSettings(path, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 2 || !filepath.IsAbs(strings.TrimSpace(lines[0])) {
		return interpreter{err: fmt.Errorf("%s does not report its executable: %q", path, tail(out.String()))}
	}
	return interpreter{path: strings.TrimSpace(lines[0]), version: strings.TrimSpace(lines[len(lines)-1])}
}

// javaFromSettings reads java.home and java.version from -XshowSettings.
func javaFromSettings(path, settings string) interpreter {
	props := map[string]string{}
	for _, line := range strings.Split(settings, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), " = ")
		if ok {
			props[k] = v
		}
	}
	in := interpreter{path: path, version: props["java.version"]}
	if home := props["java.home"]; home != "" {
		if st, err := os.Stat(filepath.Join(home, "bin", "java")); err == nil && !st.IsDir() {
			in.path = filepath.Join(home, "bin", "java")
		}
	}
	return in
}

func tail(s string) string {
	if len(s) > 500 {
		return "..." + s[len(s)-500:]
	}
	return s
}

// interpreterFor resolves the interpreter of a runtime identifier.
func (c *Catalogue) interpreterFor(rt runtime) interpreter {
	c.probe()
	if in, ok := c.byID[rt.id]; ok {
		return in
	}
	return c.byFam[rt.family]
}

// findJavac finds the compiler for the Java client: configured, next to the
// java binary, or on PATH.
func findJavac(javaPath, configuredPath string) (string, error) {
	if configuredPath != "" {
		in := configured("javac", configuredPath, "")
		if in.err != nil {
			return "", fmt.Errorf("javac %w", in.err)
		}
		return in.path, nil
	}
	if real, err := filepath.EvalSymlinks(javaPath); err == nil {
		sibling := filepath.Join(filepath.Dir(real), "javac")
		if st, err := os.Stat(sibling); err == nil && st.Mode()&0o111 != 0 {
			return sibling, nil
		}
	}
	if path, err := exec.LookPath("javac"); err == nil {
		return path, nil
	}
	return "", errors.New("no javac (a JDK) found next to java or on PATH; install a JDK or set --runtime-interpreter javac=/path/to/javac")
}

// probeAll runs the jobs concurrently and returns their results by key.
func probeAll(jobs map[string]func() interpreter) map[string]interpreter {
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := map[string]interpreter{}
	for k, job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := job()
			mu.Lock()
			out[k] = in
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}
