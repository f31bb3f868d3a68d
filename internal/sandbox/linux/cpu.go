package linux

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Lambda's CPU share: 1,769 MB buys one vCPU.
const mbPerCPU = 1769

// initCPU is the memory size whose CPU share a sandbox gets while its
// runtime initialises: Lambda gives init two vCPUs whatever the memory.
const initCPU = 2 * mbPerCPU

// setCPU caps the CPU at the share of memoryMB (1,769 MB = one vCPU).
func (c *cgroup) setCPU(memoryMB int) error {
	quota, period := cpuMax(memoryMB)
	files := [][2]string{{"cpu.max", fmt.Sprintf("%d %d", quota, period)}}
	if !c.root.v2 {
		files = [][2]string{{"cpu.cfs_period_us", strconv.Itoa(period)}, {"cpu.cfs_quota_us", strconv.Itoa(quota)}}
	}
	for _, f := range files {
		if err := writeFile(c.path(c.root.cpu, f[0]), f[1]); err != nil {
			return fmt.Errorf("set %s: %w", f[0], err)
		}
	}
	return nil
}

// CFS bandwidth bounds (µs). A sandbox that has used its quota waits for
// the rest of the period; with Linux's default period of 100 ms a 128 MB
// function (7% of a CPU) stalled for up to 93 ms, and its no-op p99 at c=1
// was 88 ms. A 10 ms period keeps the share and bounds the stall (p99
// 25-27 ms, most of it the 4 ms tick by which a quota can be overrun and
// repaid in the next period). The kernel's smallest quota is 1 ms. (A burst
// of one quota, cpu.cfs_burst_us, measured no better: a function under
// steady load has no unused quota to save.)
const (
	cpuPeriod   = 10_000
	minCPUQuota = 1_000
)

// cpuMax is the CFS quota and period of memoryMB's share. Under 177 MB the
// quota would fall below the kernel's minimum, so the period grows instead
// (128 MB: 1 ms every 13.8 ms).
func cpuMax(memoryMB int) (quota, period int) {
	quota, period = memoryMB*cpuPeriod/mbPerCPU, cpuPeriod
	if quota < minCPUQuota {
		quota, period = minCPUQuota, (minCPUQuota*mbPerCPU+memoryMB-1)/memoryMB
	}
	return quota, period
}

// pin moves every thread of the cgroup to cpu (their children inherit
// it). A share of less than one vCPU spread over several CPUs is wasted:
// each CPU's run queue holds back part of the quota (at least 1 ms) while
// the sandbox's threads on another CPU are throttled. Pinned, a 128 MB
// no-op's p99 at c=1 fell from 27 ms to 14 ms and its rate rose by half,
// its share unchanged. A thread created while pin runs may keep the old
// mask; a process may widen its own: either only costs itself.
func (c *cgroup) pin(cpu int) {
	file := "tasks"
	if c.root.v2 {
		file = "cgroup.threads"
	}
	data, err := os.ReadFile(c.path(c.root.cpu, file))
	if err != nil {
		return
	}
	var set unix.CPUSet
	set.Set(cpu)
	for _, f := range strings.Fields(string(data)) {
		if tid, err := strconv.Atoi(f); err == nil {
			unix.SchedSetaffinity(tid, &set)
		}
	}
}
