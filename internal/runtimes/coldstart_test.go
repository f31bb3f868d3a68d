package runtimes

import (
	"sort"
	"syscall"
	"testing"
	"time"
)

// BenchmarkColdStart measures, from the fake Runtime API's view, the time
// from starting an environment's process to its first GET /next, with a
// trivial handler and the unisolated process. The "floor" cases are custom
// runtimes that only connect and ask for the next event with the same
// interpreter: the difference is the runtime client's own cost. Run it with
//
//	go test -run '^$' -bench ColdStart -benchtime 20x ./internal/runtimes
func BenchmarkColdStart(b *testing.B) {
	cat := testCatalogue(b)
	floor := func(f family, script string) map[string]string {
		in := cat.byFam[f]
		if in.err != nil {
			return map[string]string{"bootstrap": "#!/bin/sh\nexit 1\n"}
		}
		return map[string]string{"bootstrap": "#!" + in.path + "\n" + script}
	}
	var cases []coldCase
	for _, c := range []struct {
		runtime, handler string
		files            map[string]string
	}{
		{"provided", "python-floor", floor(python, `import os, socket
s = socket.create_connection(os.environ["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1))
s.sendall(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n")
s.recv(1)
`)},
		{"provided", "node-floor", floor(nodejs, `const [h, p] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
require('net').connect(p, h, function () { this.write('GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n'); });
`)},
		{"python3.12", "app.handler", map[string]string{"app.py": "def handler(event, context):\n    return event\n"}},
		{"nodejs20.x", "app.handler", map[string]string{"app.js": "exports.handler = async (event) => event;\n"}},
		{"ruby3.3", "app.handler", map[string]string{"app.rb": "def handler(event:, context:)\n  event\nend\n"}},
		{"java21", "example.Pojos::upper", nil},
	} {
		name := c.runtime
		if c.runtime == "provided" {
			name = c.handler
		}
		if err := cat.Check(c.runtime); err != nil || (c.files == nil && cat.java == "") {
			b.Logf("skipping %s: %v", name, err)
			continue
		}
		spec := envSpec{runtime: c.runtime, handler: c.handler, taskRoot: b.TempDir()}
		if c.files == nil {
			spec.taskRoot = javaTaskRootB(b)
		}
		writeFiles(b, spec.taskRoot, c.files)
		cases = append(cases, coldCase{name: name, spec: spec})
	}
	// Rounds interleave the runtimes so that a busy machine skews them alike.
	wall := make([][]time.Duration, len(cases))
	cpu := make([][]time.Duration, len(cases))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j, c := range cases {
			w, c := coldStart(b, cat, c.spec)
			wall[j] = append(wall[j], w)
			cpu[j] = append(cpu[j], c)
		}
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	pct := func(s []time.Duration, p int) time.Duration {
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return s[(len(s)*p)/100]
	}
	for j, c := range cases {
		b.ReportMetric(ms(pct(wall[j], 50)), c.name+"-p50-ms")
		b.ReportMetric(ms(pct(wall[j], 99)), c.name+"-p99-ms")
		b.ReportMetric(ms(pct(cpu[j], 50)), c.name+"-cpu-p50-ms")
	}
	b.ReportMetric(0, "ns/op")
}

type coldCase struct {
	name string
	spec envSpec
}

// coldStart starts one environment and returns how long it took to ask for
// its first event, and the CPU time it used to get there (which a busy
// machine inflates less than the wall time).
func coldStart(b *testing.B, cat *Catalogue, spec envSpec) (wall, cpu time.Duration) {
	p := startEnv(b, cat, spec)
	defer p.api.close()
	select {
	case first := <-p.api.nexts:
		wall = first.Sub(p.started)
	case <-p.exited:
		b.Fatalf("%s exited before GET /next:\n%s", spec.runtime, p.logs)
	case <-time.After(testTimeout):
		b.Fatalf("%s: no GET /next within %v", spec.runtime, testTimeout)
	}
	p.stop()
	if ru, ok := p.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		cpu = time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime))
	}
	return wall, cpu
}

func javaTaskRootB(b *testing.B) string {
	javaRootOnce.Do(func() { javaRoot, javaRootErr = buildJavaFixture(testCatalogue(b)) })
	if javaRootErr != nil {
		b.Fatalf("build java fixture: %v", javaRootErr)
	}
	return javaRoot
}
