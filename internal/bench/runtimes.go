package bench

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// RuntimeOptions configures RunRuntimes.
type RuntimeOptions struct {
	// Runtimes to measure, e.g. "python3.12", "nodejs20.x", "java17",
	// "ruby3.3"; "provided.al2023" is the aws-lambda-go no-op.
	Runtimes []string
	// ColdStarts is how many cold starts to measure per runtime.
	ColdStarts int
	// Sandbox is the sandbox driver to measure ("" picks as nubo serve does).
	Sandbox string
	// Source is the directory of the module (to build internal/bench/noop).
	Source string
	// NoForkServer starts every Python interpreter (the process driver
	// forks pre-initialised ones by default).
	NoForkServer bool
	Logf         func(format string, args ...any)
}

// RuntimeStats are one runtime's cold starts, split by where the time goes.
type RuntimeStats struct {
	Runtime string
	// Cold is the first invoke as the caller sees it.
	Cold Stats
	// Init is the REPORT line's Init Duration: from starting the runtime's
	// process to its first request for an event (interpreter and runtime
	// client).
	Init Stats
	// Rest is Cold less Init and the handler's Duration: nubo's own part
	// (sandbox, Runtime API, routing, HTTP).
	Rest Stats
}

// RuntimeReport is the result of RunRuntimes.
type RuntimeReport struct {
	Sandbox  string
	Runtimes []RuntimeStats
}

// trivialHandlers are the functions measured per runtime family: each
// returns its event.
var trivialHandlers = map[string]struct {
	handler string
	files   map[string]string
}{
	"python": {"app.handler", map[string]string{"app.py": "def handler(event, context):\n    return event\n"}},
	"nodejs": {"app.handler", map[string]string{"app.js": "exports.handler = async (event) => event;\n"}},
	"ruby":   {"app.handler", map[string]string{"app.rb": "def handler(event:, context:)\n  event\nend\n"}},
	"java": {"example.Echo::handleRequest", map[string]string{"example/Echo.java": `package example;

import java.util.Map;

public class Echo {
    public Map<String, Object> handleRequest(Map<String, Object> event) {
        return event;
    }
}
`}},
}

// RunRuntimes starts a server in a temporary directory and measures cold
// starts of a trivial handler per runtime through the Lambda API: it
// creates ColdStarts functions per runtime from one package and times each
// first invoke. Rounds interleave the runtimes, so that a busy machine
// skews them alike.
func RunRuntimes(ctx context.Context, opts RuntimeOptions) (*RuntimeReport, error) {
	dir, err := os.MkdirTemp("", "nubo-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	type fn struct{ runtime, handler string }
	fns := make([]fn, len(opts.Runtimes))
	packages := make([][]byte, len(opts.Runtimes))
	for i, rt := range opts.Runtimes {
		fns[i].runtime = rt
		if fns[i].handler, packages[i], err = trivialPackage(opts.Source, dir, rt); err != nil {
			return nil, fmt.Errorf("%s: %w", rt, err)
		}
	}
	srv, stop, err := StartServer(ctx, dir, ServerOptions{Sandbox: opts.Sandbox, NoForkServer: opts.NoForkServer})
	if err != nil {
		return nil, err
	}
	defer stop()
	c := newClient("http://"+srv.Addr(), 4)
	type sample struct{ cold, init, rest []time.Duration }
	samples := make([]sample, len(fns))
	errs := make([]int, len(fns))
	// Round -1 warms up: the first function of a runtime pays for nubo's
	// one-time work (finding the interpreter, compiling the Java client).
	for n := -1; n < opts.ColdStarts; n++ {
		for i, f := range fns {
			name := fmt.Sprintf("cold-%s-%d", strings.ReplaceAll(f.runtime, ".", "-"), n+1)
			if err := c.deployRuntime(ctx, name, f.runtime, f.handler, packages[i]); err != nil {
				return nil, fmt.Errorf("create a %s function: %w", f.runtime, err)
			}
			cold, init, dur, err := c.coldInvoke(ctx, name)
			if n < 0 {
				if err != nil {
					return nil, fmt.Errorf("%s: %w", f.runtime, err)
				}
				continue
			}
			if err != nil {
				errs[i]++
				if errs[i] == 1 {
					opts.Logf("%s: %v", f.runtime, err)
				}
				continue
			}
			samples[i].cold = append(samples[i].cold, cold)
			samples[i].init = append(samples[i].init, init)
			samples[i].rest = append(samples[i].rest, cold-init-dur)
		}
	}
	rep := &RuntimeReport{Sandbox: opts.Sandbox}
	for i, f := range fns {
		s := samples[i]
		rs := RuntimeStats{Runtime: f.runtime, Cold: summarise(s.cold, errs[i], 0),
			Init: summarise(s.init, 0, 0), Rest: summarise(s.rest, 0, 0)}
		rep.Runtimes = append(rep.Runtimes, rs)
	}
	return rep, nil
}

// trivialPackage returns the handler and zip of the trivial function of a
// runtime.
func trivialPackage(source, dir, runtime string) (handler string, zipped []byte, err error) {
	if strings.HasPrefix(runtime, "provided") {
		zipped, err = NoopZip(source)
		return "bootstrap", zipped, err
	}
	for family, h := range trivialHandlers {
		if !strings.HasPrefix(runtime, family) {
			continue
		}
		files := h.files
		if family == "java" {
			if files, err = compileJava(dir, files); err != nil {
				return "", nil, err
			}
		}
		zipped, err = zipFiles(files)
		return h.handler, zipped, err
	}
	return "", nil, fmt.Errorf("no trivial handler for runtime %s", runtime)
}

// compileJava compiles the sources with the JDK's javac and returns the
// class files.
func compileJava(dir string, sources map[string]string) (map[string]string, error) {
	javac, err := exec.LookPath("javac")
	if err != nil {
		return nil, fmt.Errorf("compile the Java handler: no javac (a JDK) on PATH")
	}
	src, classes := filepath.Join(dir, "java-src"), filepath.Join(dir, "java-classes")
	args := []string{"--release", "11", "-d", classes}
	for name, text := range sources {
		path := filepath.Join(src, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return nil, err
		}
		args = append(args, path)
	}
	if out, err := exec.Command(javac, args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("compile the Java handler: %v\n%s", err, out)
	}
	out := map[string]string{}
	err = filepath.WalkDir(classes, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(classes, path)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	return out, err
}

func zipFiles(files map[string]string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(w, data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var (
	initDurationRE = regexp.MustCompile(`Init Duration: ([0-9.]+) ms`)
	durationRE     = regexp.MustCompile(`\tDuration: ([0-9.]+) ms`)
)

// coldInvoke invokes fn once with its log tail and returns the latency, and
// the Init Duration and Duration its REPORT line gives.
func (c *client) coldInvoke(ctx context.Context, fn string) (latency, init, duration time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+"/2015-03-31/functions/"+fn+"/invocations", bytes.NewReader(payload))
	if err != nil {
		return 0, 0, 0, err
	}
	req.Header.Set("X-Amz-Log-Type", "Tail")
	if err := Sign(req, payload, "lambda"); err != nil {
		return 0, 0, 0, err
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, 0, 0, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	latency = time.Since(start)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Amz-Function-Error") != "" {
		return 0, 0, 0, fmt.Errorf("invoke %s: %s %s", fn, resp.Status, body)
	}
	tail, _ := base64.StdEncoding.DecodeString(resp.Header.Get("X-Amz-Log-Result"))
	init, okInit := reportMs(initDurationRE, tail)
	duration, okDur := reportMs(durationRE, tail)
	if !okInit || !okDur {
		return 0, 0, 0, fmt.Errorf("invoke %s: no REPORT line with an Init Duration in the log tail %q", fn, tail)
	}
	return latency, init, duration, nil
}

func reportMs(re *regexp.Regexp, tail []byte) (time.Duration, bool) {
	m := re.FindSubmatch(tail)
	if m == nil {
		return 0, false
	}
	ms, err := strconv.ParseFloat(string(m[1]), 64)
	return time.Duration(ms * float64(time.Millisecond)), err == nil
}

// Print writes the report as a table.
func (r *RuntimeReport) Print(w io.Writer) {
	sandbox := r.Sandbox
	if sandbox == "" {
		sandbox = "default"
	}
	fmt.Fprintf(w, "cold starts (sandbox %s): p50/p99 of the first invoke; init = the runtime's own start, nubo = the rest\n", sandbox)
	fmt.Fprintln(w, "runtime           n  errors  p50       p99       init p50  init p99  nubo p50")
	ms := func(d time.Duration) string { return d.Round(10 * time.Microsecond).String() }
	for _, s := range r.Runtimes {
		fmt.Fprintf(w, "%-16s %3d  %6d  %-8s  %-8s  %-8s  %-8s  %-8s\n", s.Runtime, s.Cold.N, s.Cold.Errors,
			ms(s.Cold.P50), ms(s.Cold.P99), ms(s.Init.P50), ms(s.Init.P99), ms(s.Rest.P50))
	}
}
