package s3bench

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Header is the table's first lines.
func Header() string {
	return fmt.Sprintf("%-36s | %-40s | %-40s | %s\n%s", "row",
		"nubo: ops/s  MiB/s  p50  p99", "versitygw "+PeerVersion+": ops/s  MiB/s  p50  p99", "nubo/peer",
		strings.Repeat("-", 132))
}

// FormatRow is one line of the table.
func FormatRow(r Row) string {
	return fmt.Sprintf("%-36s | %-40s | %-40s | %5.2fx", r.Name, cell(r.Nubo), cell(r.Peer), r.Ratio())
}

func cell(s Stats) string {
	if s.Ops == 0 {
		return fmt.Sprintf("failed (%d errors)", s.Errors)
	}
	c := fmt.Sprintf("%8.1f %8.1f %9s %9s", s.PerSec(), s.MBPerSec(), short(s.P50), short(s.P99))
	if s.Errors > 0 {
		c += fmt.Sprintf(" (%d errors)", s.Errors)
	}
	return c
}

// short prints a latency with three significant digits.
func short(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%dµs", d.Microseconds())
}

// Print writes the whole table.
func Print(w io.Writer, rows []Row) {
	fmt.Fprintln(w, Header())
	for _, r := range rows {
		fmt.Fprintln(w, FormatRow(r))
	}
}
