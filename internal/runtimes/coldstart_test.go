package runtimes

import (
	"sort"
	"testing"
	"time"
)

// BenchmarkColdStart measures, from the fake Runtime API's view, the time
// from starting an environment's process to its first GET /next, with a
// trivial handler and the unisolated process. Run it with
//
//	go test -run '^$' -bench ColdStart -benchtime 20x ./internal/runtimes
func BenchmarkColdStart(b *testing.B) {
	cat := testCatalogue(b)
	for _, c := range []struct {
		runtime, handler string
		files            map[string]string
	}{
		{"python3.12", "app.handler", map[string]string{"app.py": "def handler(event, context):\n    return event\n"}},
		{"nodejs20.x", "app.handler", map[string]string{"app.js": "exports.handler = async (event) => event;\n"}},
		{"ruby3.3", "app.handler", map[string]string{"app.rb": "def handler(event:, context:)\n  event\nend\n"}},
		{"java21", "example.Pojos::upper", nil},
	} {
		b.Run(c.runtime, func(b *testing.B) {
			requireRuntime(b, cat, c.runtime)
			spec := envSpec{runtime: c.runtime, handler: c.handler, taskRoot: b.TempDir()}
			if c.files == nil {
				spec.taskRoot = javaTaskRootB(b)
			}
			writeFiles(b, spec.taskRoot, c.files)
			samples := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p := startEnv(b, cat, spec)
				select {
				case first := <-p.api.nexts:
					samples = append(samples, first.Sub(p.started))
				case <-p.exited:
					b.Fatalf("runtime exited before GET /next:\n%s", p.logs)
				case <-time.After(testTimeout):
					b.Fatalf("no GET /next within %v", testTimeout)
				}
				p.stop()
				p.api.close()
			}
			b.StopTimer()
			sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(samples[len(samples)/2]), "p50-ms")
			b.ReportMetric(ms(samples[(len(samples)*99)/100]), "p99-ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func javaTaskRootB(b *testing.B) string {
	javaRootOnce.Do(func() { javaRoot, javaRootErr = buildJavaFixture(testCatalogue(b)) })
	if javaRootErr != nil {
		b.Fatalf("build java fixture: %v", javaRootErr)
	}
	return javaRoot
}
