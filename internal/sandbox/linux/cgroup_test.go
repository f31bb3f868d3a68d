package linux

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeHierarchy makes dir look like a cgroup directory with the given
// control files (empty) and controllers.
func fakeHierarchy(t *testing.T, dir string, controllers string, files ...string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range append(files, "cgroup.controllers") {
		content := ""
		if f == "cgroup.controllers" {
			content = controllers
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestParseCgroups(t *testing.T) {
	root := t.TempDir()
	v2Full, v2Hugetlb := filepath.Join(root, "v2"), filepath.Join(root, "unified")
	fakeHierarchy(t, v2Full, "cpuset cpu io memory hugetlb pids")
	fakeHierarchy(t, v2Hugetlb, "hugetlb")
	fakeHierarchy(t, filepath.Join(root, "memory"), "", "memory.memsw.limit_in_bytes")
	line := func(mnt, fstype, opts string) string {
		return "30 22 0:27 / " + mnt + " rw,relatime - " + fstype + " " + fstype + " " + opts + "\n"
	}
	v1 := line(filepath.Join(root, "cpu"), "cgroup", "rw,cpu,cpuacct") +
		line(filepath.Join(root, "memory"), "cgroup", "rw,memory") +
		line(filepath.Join(root, "pids"), "cgroup", "rw,pids") +
		line(filepath.Join(root, "freezer"), "cgroup", "rw,freezer")
	tests := []struct {
		name, mountinfo string
		want            *cgroupRoot
	}{
		{"unified", line(v2Full, "cgroup2", "rw"), &cgroupRoot{v2: true,
			mem: filepath.Join(v2Full, "nubo"), cpu: filepath.Join(v2Full, "nubo"), pids: filepath.Join(v2Full, "nubo")}},
		{"hybrid with an empty unified hierarchy", v1 + line(v2Hugetlb, "cgroup2", "rw"), &cgroupRoot{memsw: true,
			mem: filepath.Join(root, "memory/nubo"), cpu: filepath.Join(root, "cpu/nubo"), pids: filepath.Join(root, "pids/nubo"),
			freezer: filepath.Join(root, "freezer/nubo")}},
		{"no pids", line(filepath.Join(root, "memory"), "cgroup", "rw,memory"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCgroups(strings.NewReader(tt.mountinfo), "nubo")
			if tt.want == nil {
				if err == nil {
					t.Fatalf("got %+v, want an error", got)
				}
				return
			}
			if err != nil || *got != *tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// TestLimitsFiles checks what setLimits and InitDone's setCPU write, on
// fake v1 and v2 hierarchies (this machine may have only one of them).
func TestLimitsFiles(t *testing.T) {
	for _, v2 := range []bool{false, true} {
		root := t.TempDir()
		r := &cgroupRoot{v2: v2, mem: filepath.Join(root, "memory"), cpu: filepath.Join(root, "cpu"), pids: filepath.Join(root, "pids"), memsw: !v2}
		var want map[string]string
		if v2 {
			r.cpu, r.pids = r.mem, r.mem
			want = map[string]string{
				"memory/s/memory.max": "268435456", "memory/s/memory.swap.max": "0", "memory/s/memory.oom.group": "1",
				"memory/s/cpu.weight": "14", "memory/s/pids.max": "1025", "memory/s/cpu.max": "20000 10000",
			}
		} else {
			want = map[string]string{
				"memory/s/memory.limit_in_bytes": "268435456", "memory/s/memory.memsw.limit_in_bytes": "268435456",
				"cpu/s/cpu.cfs_period_us": "10000", "cpu/s/cpu.shares": "148", "cpu/s/cpu.cfs_quota_us": "20000",
				"pids/s/pids.max": "1025",
			}
		}
		for f := range want {
			fakeHierarchy(t, filepath.Join(root, filepath.Dir(f)), "", filepath.Base(f))
		}
		c := r.open("s")
		if err := c.setLimits(256, 1025); err != nil {
			t.Fatalf("v2=%v: %v", v2, err)
		}
		for f, w := range want {
			if got, _ := os.ReadFile(filepath.Join(root, f)); string(got) != w {
				t.Errorf("v2=%v: %s = %q, want %q", v2, f, got, w)
			}
		}
		file, w := "cpu/s/cpu.cfs_quota_us", "1447"
		if v2 {
			file, w = "memory/s/cpu.max", "1447 10000"
		}
		// A control file takes a write whole; a test file must be emptied.
		os.Truncate(filepath.Join(root, file), 0)
		os.Truncate(filepath.Join(root, "cpu/s/cpu.cfs_period_us"), 0)
		if err := c.setCPU(256); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(filepath.Join(root, file)); string(got) != w {
			t.Errorf("v2=%v: after init %s = %q, want %q", v2, file, got, w)
		}
	}
}
