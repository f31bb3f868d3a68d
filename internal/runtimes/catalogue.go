package runtimes

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Options configure a Catalogue.
type Options struct {
	// Dir is a directory nubo owns; the runtime clients are written there
	// at New and it becomes the environments' runtime directory.
	Dir string
	// Interpreters overrides where interpreters are, by runtime identifier
	// ("python3.12") or family ("python", "nodejs" or "node", "java",
	// "ruby"); "javac" names the compiler for the Java client. An
	// identifier beats its family.
	Interpreters map[string]string
	// Logger receives what New found; nil discards.
	Logger *slog.Logger
}

// Catalogue knows how to start an environment of each runtime identifier on
// this machine. It is immutable after New and safe for concurrent use.
type Catalogue struct {
	dir   string
	log   *slog.Logger
	byID  map[string]interpreter // per-identifier overrides
	byFam map[family]interpreter
	// Interpreters are probed, and the Java client compiled, on first use:
	// starting nubo costs neither until a function needs them.
	probeOnce sync.Once
	javaOnce  sync.Once
	overrides map[string]string
	java      string // compiled Java client, relative to dir; "" if javaErr
	javaErr   error
}

// New writes the runtime clients under opts.Dir. The interpreters are
// found when a managed runtime is first checked or launched, and the Java
// client is compiled when a Java runtime first is (once; later runs reuse
// the compiled tree).
// A missing interpreter or JDK is not an error here: Check reports it for
// the runtimes that need it.
func New(opts Options) (*Catalogue, error) {
	if opts.Dir == "" {
		return nil, errors.New("runtimes: no directory given")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("runtimes directory: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create runtimes directory: %w", err)
	}
	if err := writeClients(dir); err != nil {
		return nil, fmt.Errorf("write runtime clients: %w", err)
	}
	if err := checkOverrides(opts.Interpreters); err != nil {
		return nil, err
	}
	return &Catalogue{dir: dir, log: log, byID: map[string]interpreter{}, byFam: map[family]interpreter{}, overrides: opts.Interpreters}, nil
}

// probe finds the interpreters, once.
func (c *Catalogue) probe() {
	c.probeOnce.Do(func() {
		c.findInterpreters(c.overrides)
		c.precompilePython()
		c.log.Info("runtime interpreters found", "dir", c.dir, "interpreters", c.interpreterSummary())
	})
}

// precompilePython compiles the Python client's bytecode for every Python
// interpreter in use, so that environments whose runtime directory is read
// only do not compile it at every cold start. Failure only costs speed.
func (c *Catalogue) precompilePython() {
	seen := map[string]bool{}
	for _, in := range c.pythons() {
		if seen[in] {
			continue
		}
		seen[in] = true
		src := filepath.Join(c.dir, "python", "nubo_lambda_runtime.py")
		cmd := exec.Command(in, "-m", "py_compile", src)
		if out, err := cmd.CombinedOutput(); err != nil {
			c.log.Warn("precompile python runtime client", "interpreter", in, "error", err, "output", string(out))
		}
	}
}

func (c *Catalogue) pythons() []string {
	var out []string
	if in := c.byFam[python]; in.err == nil {
		out = append(out, in.path)
	}
	for id, in := range c.byID {
		if runtimeTable[id].family == python && in.err == nil {
			out = append(out, in.path)
		}
	}
	sort.Strings(out)
	return out
}

// javaClient is the compiled Java client, compiled on the first call.
func (c *Catalogue) javaClient() (string, error) {
	c.javaOnce.Do(func() { c.buildJava(c.overrides) })
	return c.java, c.javaErr
}

// buildJava compiles the Java client if any Java runtime can run here.
func (c *Catalogue) buildJava(overrides map[string]string) {
	c.probe()
	javaPath := c.byFam[java].path
	for id, in := range c.byID {
		if javaPath == "" && runtimeTable[id].family == java && in.err == nil {
			javaPath = in.path
		}
	}
	if javaPath == "" {
		c.javaErr = c.byFam[java].err
		return
	}
	javac, err := findJavac(javaPath, overrides["javac"])
	if err != nil {
		c.javaErr = err
		c.log.Info("java runtimes not available", "error", err)
		return
	}
	rel, err := buildJava(context.Background(), c.dir, javac)
	if err != nil {
		c.javaErr = err
		c.log.Warn("java runtimes not available", "error", err)
		return
	}
	c.java = rel
	c.log.Debug("java runtime client ready", "javac", javac, "classes", rel)
}

// RuntimeDir is the host path of the written runtime clients.
func (c *Catalogue) RuntimeDir() string { return c.dir }

// Check reports whether this machine can run the runtime: nil, or an error
// (ErrUnsupportedRuntime, ErrInterpreterMissing) that says what to do.
func (c *Catalogue) Check(runtimeID string) error {
	rt, err := lookup(runtimeID)
	if err != nil {
		return err
	}
	if rt.family == provided {
		return nil
	}
	in := c.interpreterFor(rt)
	if in.err != nil {
		return fmt.Errorf("%s needs %s; %v; set --runtime-interpreter %s=/path: %w",
			rt.id, familyNames[rt.family], in.err, rt.family, ErrInterpreterMissing)
	}
	if rt.family == java {
		if _, err := c.javaClient(); err != nil {
			return fmt.Errorf("%s needs nubo's Java runtime client, which could not be built: %v: %w",
				rt.id, err, ErrInterpreterMissing)
		}
	}
	return nil
}

// Version is the runtime version an INIT_START line shows
// ("python:3.12.v1"), or "" for an unknown runtime.
func (c *Catalogue) Version(runtimeID string) string {
	rt, err := lookup(runtimeID)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%s:%s.v%d", rt.family, rt.version, clientVersion)
}

// interpreterSummary is for logs and errors: family=path pairs.
func (c *Catalogue) interpreterSummary() string {
	var parts []string
	for _, f := range []family{python, nodejs, java, ruby} {
		if in := c.byFam[f]; in.err == nil {
			parts = append(parts, string(f)+"="+in.path)
		}
	}
	return strings.Join(parts, " ")
}
