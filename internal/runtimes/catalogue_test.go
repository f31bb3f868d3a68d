package runtimes

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	cat := testCatalogue(t)
	for _, c := range []struct {
		runtime string
		want    error
	}{
		{"provided", nil},
		{"provided.al2", nil},
		{"provided.al2023", nil},
		{"dotnet8", ErrUnsupportedRuntime},
		{"go1.x", ErrUnsupportedRuntime},
		{"python2.7", ErrUnsupportedRuntime},
		{"cobol", ErrUnsupportedRuntime},
		{"", ErrUnsupportedRuntime},
	} {
		if got := cat.Check(c.runtime); !errors.Is(got, c.want) && got != c.want {
			t.Errorf("Check(%q) = %v, want %v", c.runtime, got, c.want)
		}
	}
	if err := cat.Check("dotnet8"); !strings.Contains(err.Error(), "provided.al2023") {
		t.Errorf("Check(dotnet8) = %q, want advice to use provided.al2023", err)
	}
}

func TestRuntimes(t *testing.T) {
	ids := Runtimes()
	for _, want := range []string{
		"python3.9", "python3.10", "python3.11", "python3.12", "python3.13",
		"nodejs18.x", "nodejs20.x", "nodejs22.x", "java17", "java21", "ruby3.2", "ruby3.3",
		"provided", "provided.al2", "provided.al2023",
	} {
		if !slices.Contains(ids, want) {
			t.Errorf("Runtimes() lacks %s", want)
		}
	}
}

func TestVersion(t *testing.T) {
	cat := testCatalogue(t)
	for runtime, want := range map[string]string{
		"python3.12":      "python:3.12.v1",
		"python3.9":       "python:3.9.v1",
		"nodejs20.x":      "nodejs:20.v1",
		"java17":          "java:17.v1",
		"java8.al2":       "java:8.v1",
		"ruby3.3":         "ruby:3.3.v1",
		"provided.al2023": "provided:al2023.v1",
		"dotnet8":         "",
	} {
		if got := cat.Version(runtime); got != want {
			t.Errorf("Version(%s) = %q, want %q", runtime, got, want)
		}
	}
}

func TestInterpreterOverrides(t *testing.T) {
	realPython := testCatalogue(t).byFam[python]
	if realPython.err != nil {
		t.Skipf("skipping: no python3: %v", realPython.err)
	}
	cat, err := New(Options{Dir: t.TempDir(), Interpreters: map[string]string{
		"python":     "/nonexistent/python3",
		"python3.13": realPython.path,
		"node":       "/nonexistent/node",
		"java":       "/nonexistent/java",
	}})
	if err != nil {
		t.Fatal(err)
	}
	err = cat.Check("python3.12")
	if !errors.Is(err, ErrInterpreterMissing) {
		t.Fatalf("Check(python3.12) = %v, want ErrInterpreterMissing", err)
	}
	for _, want := range []string{"python3.12 needs a Python interpreter", "none found at /nonexistent/python3", "--runtime-interpreter python=/path"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Check(python3.12) = %q, want it to say %q", err, want)
		}
	}
	if err := cat.Check("python3.13"); err != nil {
		t.Errorf("Check(python3.13) = %v, want nil (configured by identifier)", err)
	}
	l, err := cat.Launch("python3.13", Layout{TaskRoot: "/var/task", RuntimeDir: "/var/runtime", OptDir: "/opt"})
	if err != nil || l.Argv[0] != realPython.path {
		t.Errorf("Launch(python3.13) = %v, %v; want %s", l.Argv, err, realPython.path)
	}
	for _, id := range []string{"nodejs20.x", "java21"} {
		if err := cat.Check(id); !errors.Is(err, ErrInterpreterMissing) {
			t.Errorf("Check(%s) = %v, want ErrInterpreterMissing", id, err)
		}
	}
	if _, err := New(Options{Dir: t.TempDir(), Interpreters: map[string]string{"cobol": "/usr/bin/cobc"}}); err == nil {
		t.Errorf("New accepted an interpreter for an unknown runtime")
	}
}

func TestLaunch(t *testing.T) {
	cat := testCatalogue(t)
	l := Layout{TaskRoot: "/var/task", RuntimeDir: "/var/runtime", OptDir: "/opt"}
	for _, c := range []struct {
		runtime string
		argv    []string // after the interpreter
		env     []string
	}{
		{"python3.12", []string{"-X", "utf8", "/var/runtime/python/bootstrap.py"}, []string{
			"AWS_EXECUTION_ENV=AWS_Lambda_python3.12",
			"PYTHONPATH=/opt/python/lib/python3.12/site-packages:/opt/python:/var/runtime/python",
		}},
		{"nodejs22.x", []string{"--expose-gc", "--max-http-header-size=81920", "/var/runtime/node/bootstrap.cjs"}, []string{
			"AWS_EXECUTION_ENV=AWS_Lambda_nodejs22.x",
			"NODE_PATH=/opt/nodejs/node22/node_modules:/opt/nodejs/node_modules:/var/runtime/node:/var/task",
		}},
		{"ruby3.2", []string{"/var/runtime/ruby/bootstrap.rb"}, []string{
			"AWS_EXECUTION_ENV=AWS_Lambda_ruby3.2",
			"GEM_PATH=/var/task/vendor/bundle/ruby/3.2.0:/opt/ruby/gems/3.2.0:",
			"RUBYLIB=/var/task:/opt/ruby/lib",
		}},
		{"java21", nil, []string{"AWS_EXECUTION_ENV=AWS_Lambda_java21"}},
	} {
		if cat.Check(c.runtime) != nil {
			continue
		}
		got, err := cat.Launch(c.runtime, l)
		if err != nil {
			t.Errorf("Launch(%s): %v", c.runtime, err)
			continue
		}
		if !filepath.IsAbs(got.Argv[0]) {
			t.Errorf("Launch(%s) argv[0] = %q, want an absolute path", c.runtime, got.Argv[0])
		}
		if c.argv != nil && !slices.Equal(got.Argv[1:], c.argv) {
			t.Errorf("Launch(%s) argv = %q, want %q", c.runtime, got.Argv[1:], c.argv)
		}
		if !slices.Equal(got.Env, c.env) {
			t.Errorf("Launch(%s) env = %q, want %q", c.runtime, got.Env, c.env)
		}
	}
	if cat.Check("java21") == nil {
		got, _ := cat.Launch("java21", l)
		if want := "/var/runtime/" + cat.java; !slices.Contains(got.Argv, want) || got.Argv[len(got.Argv)-1] != javaMain {
			t.Errorf("Launch(java21) argv = %q, want classpath %s and main %s", got.Argv, want, javaMain)
		}
	}
}

func TestLaunchCustomRuntime(t *testing.T) {
	cat := testCatalogue(t)
	empty := t.TempDir()
	_, err := cat.Launch("provided.al2023", Layout{TaskRoot: empty, OptDir: empty})
	if !errors.Is(err, ErrNoBootstrap) {
		t.Fatalf("Launch without a bootstrap = %v, want ErrNoBootstrap", err)
	}
	if want := "Couldn't find valid bootstrap(s): [" + empty + "/bootstrap " + empty + "/bootstrap]"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %q, want it to start %q", err, want)
	}

	// In a sandbox the environment's paths differ from nubo's.
	host := t.TempDir()
	writeFiles(t, host, map[string]string{"bootstrap": "#!/bin/sh\n"})
	l, err := cat.Launch("provided", Layout{TaskRoot: "/var/task", OptDir: "/opt", HostTaskRoot: host, HostOptDir: empty})
	if err != nil || !slices.Equal(l.Argv, []string{"/var/task/bootstrap"}) || len(l.Env) != 0 {
		t.Errorf("Launch = %+v, %v; want argv [/var/task/bootstrap] and no variables", l, err)
	}
	l, err = cat.Launch("provided", Layout{TaskRoot: "/var/task", OptDir: "/opt", HostTaskRoot: empty, HostOptDir: host})
	if err != nil || !slices.Equal(l.Argv, []string{"/opt/bootstrap"}) {
		t.Errorf("Launch = %+v, %v; want argv [/opt/bootstrap]", l, err)
	}
}

// A second New on the same directory reuses the compiled Java client and
// leaves unchanged client files alone.
func TestNewReusesDirectory(t *testing.T) {
	cat := testCatalogue(t)
	if _, err := cat.javaClient(); err != nil {
		t.Skipf("skipping: no Java client: %v", err)
	}
	mainClass := filepath.Join(cat.RuntimeDir(), cat.java, "dev", "nubo", "lambda", "runtime", "Main.class")
	script := filepath.Join(cat.RuntimeDir(), "node", "bootstrap.cjs")
	before := modTimes(t, mainClass, script)
	again, err := New(Options{Dir: cat.RuntimeDir()})
	if err != nil {
		t.Fatal(err)
	}
	if java, _ := again.javaClient(); java != cat.java {
		t.Errorf("java client %s, want %s", java, cat.java)
	}
	if after := modTimes(t, mainClass, script); !slices.Equal(before, after) {
		t.Errorf("files rewritten: %v then %v", before, after)
	}
}

func modTimes(t *testing.T, paths ...string) []int64 {
	var out []int64
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, st.ModTime().UnixNano())
	}
	return out
}

// Building the Java client changes the runtime directory's modification
// time: the linux driver keeps copies of the directory by it, and one
// copied while javac ran (for a Python function, say) has no classes.
func TestJavaBuildChangesRuntimeDir(t *testing.T) {
	shared := testCatalogue(t)
	if _, err := shared.javaClient(); err != nil {
		t.Skipf("skipping: no Java client: %v", err)
	}
	cat, err := New(Options{Dir: t.TempDir(), Interpreters: shared.overrides})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(cat.RuntimeDir(), "java"), 0o755); err != nil { // as the build begins
		t.Fatal(err)
	}
	before := modTimes(t, cat.RuntimeDir())
	if _, err := cat.javaClient(); err != nil {
		t.Fatal(err)
	}
	if after := modTimes(t, cat.RuntimeDir()); slices.Equal(before, after) {
		t.Errorf("the runtime directory's modification time stayed %v", before)
	}
}
