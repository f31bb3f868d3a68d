package linux

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// cgroupRoot is where the driver keeps its cgroups: one directory on the
// unified (v2) hierarchy when that has the memory, cpu and pids
// controllers, otherwise one per v1 hierarchy of those controllers.
type cgroupRoot struct {
	v2 bool
	// v1: the parent directories in the memory, cpu and pids hierarchies;
	// v2: the one parent directory.
	mem, cpu, pids string
	// freezer is the v1 freezer hierarchy's parent directory ("" when the
	// host has none: Freeze then fails); v2 freezes in mem.
	freezer string
	memsw   bool // v1 accounts swap (memory.memsw.*)
}

// findCgroups detects the hierarchies from /proc/self/mountinfo and
// returns the root for cgroups under parent (a path from each hierarchy's
// root, such as "nubo").
func findCgroups(parent string) (*cgroupRoot, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	defer f.Close()
	return parseCgroups(f, parent)
}

func parseCgroups(mountinfo io.Reader, parent string) (*cgroupRoot, error) {
	v1 := map[string]string{}
	var unified string
	sc := bufio.NewScanner(mountinfo)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, f := range fields {
			if f == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || len(fields) < sep+4 || fields[3] != "/" {
			continue
		}
		mnt, fstype, opts := unescapeMount(fields[4]), fields[sep+1], fields[sep+3]
		switch fstype {
		case "cgroup2":
			if unified == "" {
				unified = mnt
			}
		case "cgroup":
			for _, o := range strings.Split(opts, ",") {
				if (o == "memory" || o == "cpu" || o == "pids" || o == "freezer") && v1[o] == "" {
					v1[o] = mnt
				}
			}
		}
	}
	if unified != "" && hasControllers(unified, "memory", "cpu", "pids") {
		dir := filepath.Join(unified, parent)
		return &cgroupRoot{v2: true, mem: dir, cpu: dir, pids: dir}, nil
	}
	if v1["memory"] == "" || v1["cpu"] == "" || v1["pids"] == "" {
		return nil, errors.New("no cgroup hierarchy with the memory, cpu and pids controllers")
	}
	r := &cgroupRoot{
		mem:  filepath.Join(v1["memory"], parent),
		cpu:  filepath.Join(v1["cpu"], parent),
		pids: filepath.Join(v1["pids"], parent),
	}
	if v1["freezer"] != "" {
		r.freezer = filepath.Join(v1["freezer"], parent)
	}
	_, err := os.Stat(filepath.Join(v1["memory"], "memory.memsw.limit_in_bytes"))
	r.memsw = err == nil
	return r, nil
}

func hasControllers(dir string, want ...string) bool {
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.controllers"))
	if err != nil {
		return false
	}
	have := strings.Fields(string(data))
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}

func (r *cgroupRoot) dirs() []string {
	if r.v2 {
		return []string{r.mem}
	}
	if r.freezer != "" {
		return []string{r.mem, r.cpu, r.pids, r.freezer}
	}
	return []string{r.mem, r.cpu, r.pids}
}

// prepare creates the parent directories and, on v2, delegates the
// controllers to the sandboxes' cgroups.
func (r *cgroupRoot) prepare() error {
	for _, dir := range r.dirs() {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create cgroup parent: %w", err)
		}
	}
	if r.v2 {
		ctl := "+memory +cpu +pids"
		for _, dir := range []string{filepath.Dir(r.mem), r.mem} {
			if err := writeFile(filepath.Join(dir, "cgroup.subtree_control"), ctl); err != nil {
				return fmt.Errorf("enable cgroup controllers: %w", err)
			}
		}
	}
	return nil
}

// removeLeftovers kills the processes of every cgroup under the parent (a
// previous run's sandboxes) and removes the cgroups.
func (r *cgroupRoot) removeLeftovers() (int, error) {
	names := map[string]bool{}
	for _, dir := range r.dirs() {
		entries, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return 0, fmt.Errorf("list cgroups: %w", err)
		}
		for _, e := range entries {
			if e.IsDir() {
				names[e.Name()] = true
			}
		}
	}
	var errs []error
	for name := range names {
		errs = append(errs, r.open(name).remove())
	}
	return len(names), errors.Join(errs...)
}

// cgroup is one sandbox's cgroup (one directory per hierarchy on v1).
type cgroup struct {
	root *cgroupRoot
	name string

	peakMu sync.Mutex
	peak   *os.File // the memory peak's file, open once read (peakBytes)
}

func (r *cgroupRoot) open(name string) *cgroup { return &cgroup{root: r, name: name} }

func (r *cgroupRoot) create(name string) (*cgroup, error) {
	c := r.open(name)
	for _, dir := range r.dirs() {
		if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
			c.remove()
			return nil, fmt.Errorf("create cgroup: %w", err)
		}
	}
	return c, nil
}

func (c *cgroup) path(dir, file string) string { return filepath.Join(dir, c.name, file) }

// openDir opens the v2 directory for CLONE_INTO_CGROUP; -1 on v1.
func (c *cgroup) openDir() (int, error) {
	if !c.root.v2 {
		return -1, nil
	}
	fd, err := unix.Open(filepath.Join(c.root.mem, c.name), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open cgroup: %w", err)
	}
	return fd, nil
}

// attach moves pid into the cgroup (v1; on v2 it was born there).
func (c *cgroup) attach(pid int) error {
	if c.root.v2 {
		return nil
	}
	for _, dir := range c.root.dirs() {
		if err := writeFile(c.path(dir, "cgroup.procs"), strconv.Itoa(pid)); err != nil {
			return fmt.Errorf("join cgroup: %w", err)
		}
	}
	return nil
}

// setLimits applies the memory size (swap disabled), the process limit,
// and the init-phase CPU share (initCPU).
func (c *cgroup) setLimits(memoryMB, pids int) error {
	mem := strconv.FormatInt(int64(memoryMB)<<20, 10)
	var files [][2]string
	if c.root.v2 {
		files = [][2]string{
			{"memory.max", mem},
			{"memory.swap.max", "0"},
			{"memory.oom.group", "1"},
			{"cpu.weight", strconv.Itoa(min(10000, max(1, memoryMB*100/mbPerCPU)))},
			{"pids.max", strconv.Itoa(pids)},
		}
	} else {
		files = [][2]string{{"memory.limit_in_bytes", mem}}
		if c.root.memsw {
			files = append(files, [2]string{"memory.memsw.limit_in_bytes", mem})
		}
		files = append(files,
			[2]string{"cpu.shares", strconv.Itoa(max(2, memoryMB*1024/mbPerCPU))},
			[2]string{"pids.max", strconv.Itoa(pids)})
	}
	for _, f := range files {
		err := writeFile(c.path(c.dirOf(f[0]), f[0]), f[1])
		if err != nil && !(c.root.v2 && f[0] == "memory.swap.max" && errors.Is(err, fs.ErrNotExist)) {
			return fmt.Errorf("set %s: %w", f[0], err)
		}
	}
	return c.setCPU(max(initCPU, memoryMB))
}

// dirOf picks the hierarchy a control file belongs to.
func (c *cgroup) dirOf(file string) string {
	switch {
	case strings.HasPrefix(file, "cpu."):
		return c.root.cpu
	case strings.HasPrefix(file, "pids."):
		return c.root.pids
	}
	return c.root.mem
}

// peakBytes is the highest memory use the cgroup has seen. It is read
// after every invocation, so its file stays open and is read again from
// its start: opening a file of the cgroup took ~30 µs here (the walk of
// its path), most of the linux driver's own cost per warm invocation.
func (c *cgroup) peakBytes() (int64, error) {
	c.peakMu.Lock()
	defer c.peakMu.Unlock()
	if c.peak == nil {
		file := "memory.max_usage_in_bytes"
		if c.root.v2 {
			file = "memory.peak"
		}
		f, err := os.Open(c.path(c.root.mem, file))
		if err != nil {
			return 0, fmt.Errorf("read memory peak: %w", err)
		}
		c.peak = f
	}
	var buf [24]byte
	n, err := unix.Pread(int(c.peak.Fd()), buf[:], 0)
	if err != nil {
		return 0, fmt.Errorf("read memory peak: %w", err)
	}
	return strconv.ParseInt(strings.TrimSpace(string(buf[:n])), 10, 64)
}

// oomKills counts the processes the memory limit has killed.
func (c *cgroup) oomKills() int {
	file := "memory.oom_control"
	if c.root.v2 {
		file = "memory.events"
	}
	data, err := os.ReadFile(c.path(c.root.mem, file))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "oom_kill "); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// procs lists the cgroup's processes by their host pids.
func (c *cgroup) procs() []int {
	data, err := os.ReadFile(c.path(c.root.pids, "cgroup.procs"))
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(string(data)) {
		if p, err := strconv.Atoi(f); err == nil {
			pids = append(pids, p)
		}
	}
	return pids
}

// remove kills whatever still runs in the cgroup and removes it. A
// sandbox's processes die with its PID 1, so this normally finds none.
func (c *cgroup) remove() error {
	c.peakMu.Lock()
	if c.peak != nil {
		c.peak.Close()
		c.peak = nil
	}
	c.peakMu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	c.thaw() // frozen processes do not die of SIGKILL on v1
	for {
		pids := c.procs()
		if c.root.v2 {
			writeFile(c.path(c.root.mem, "cgroup.kill"), "1")
		} else {
			for _, p := range pids {
				syscall.Kill(p, syscall.SIGKILL)
			}
		}
		var errs []error
		for _, dir := range c.root.dirs() {
			err := unix.Rmdir(filepath.Join(dir, c.name))
			if err != nil && err != unix.ENOENT {
				errs = append(errs, err)
			}
		}
		if len(errs) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("remove cgroup %s: %w", c.name, errors.Join(errs...))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// writeFile writes a control file without creating or truncating it.
func writeFile(path, value string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(value)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
