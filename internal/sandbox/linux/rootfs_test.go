package linux

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/sandbox"
)

// TestNeutralPaths checks that a sandbox's /proc/self/mountinfo and
// /proc/self/cgroup name none of the host's paths: not the driver's state
// directory, nor where the code and runtime are on the host, nor the
// sandbox's cgroups.
func TestNeutralPaths(t *testing.T) {
	d := sharedDriver(t)
	code, runtime := taskRoot(t, map[string]string{"f": "code"}), taskRoot(t, map[string]string{"r": "runtime"})
	out := newOutput(t)
	sb, err := d.Create(context.Background(), sandbox.Spec{ID: "paths", TaskRoot: code, RuntimeDir: runtime,
		MemoryMB: 128, EphemeralMB: 512, Output: out.w})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop(0)
	e := &env{sb: sb, out: out}
	e.sh(t, "cat /var/task/f /var/runtime/r; echo; cat /proc/self/mountinfo /proc/self/cgroup")
	e.wait(t, 20*time.Second)
	got := out.String()
	if !strings.HasPrefix(got, "coderuntime\n") {
		t.Fatalf("code and runtime not readable: %q", got)
	}
	for _, host := range []string{d.opts.Dir, code, runtime, d.opts.CgroupParent + "/"} {
		if strings.Contains(got, host) {
			t.Errorf("the sandbox sees the host path %s:\n%s", host, got)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(got[strings.Index(got, "\n"):]), "\n") {
		if f := strings.SplitN(line, ":", 3); len(f) == 3 && !strings.Contains(line, " ") && f[2] != "/" {
			t.Errorf("cgroup line %q, want the namespace's root /", line)
		}
	}
}
