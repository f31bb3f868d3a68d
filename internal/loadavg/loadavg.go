// Package loadavg reads the machine's load average, which benchmarks report
// beside their numbers and tests with wall-clock bounds consult.
package loadavg

import (
	"fmt"
	"os"
	"runtime"
)

// Minute is the load average over the last minute; ok is false where the
// system does not tell (no /proc/loadavg).
func Minute() (load float64, ok bool) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, false
	}
	if _, err := fmt.Sscan(string(b), &load); err != nil {
		return 0, false
	}
	return load, true
}

// Above reports whether the last minute's load average is over times the
// number of CPUs: the machine runs more tasks than it can run at once.
func Above(times float64) bool {
	load, ok := Minute()
	return ok && load > times*float64(runtime.NumCPU())
}
