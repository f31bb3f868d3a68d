package dynamodbbench

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// Print writes the report: a table of the rows, the floor of HTTP alone,
// the machine's load and the stream latency.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "%-28s %-4s | %-27s | %-27s | %-27s | %-27s | %s\n", "row", "c",
		"nubo: ops/s  p50  p99", "server floor", "engine alone", "dynalite "+dynaliteVersion, "nubo/dynalite  nubo/floor")
	fmt.Fprintln(w, strings.Repeat("-", 188))
	for _, row := range r.Rows {
		fmt.Fprintln(w, FormatRow(row))
	}
	for _, n := range sortedKeys(r.HTTP) {
		fmt.Fprintf(w, "%-28s c=%-3d| %s\n", "HTTP alone", n, cell(r.HTTP[n]))
	}
	if len(r.Load) > 0 {
		fmt.Fprintf(w, "load average (1 min) at each row's start and at the end: %s\n", loads(r.Load))
	}
	if l := r.StreamLatencies; len(l) > 0 {
		fmt.Fprintf(w, "stream write -> function invocation (%d writes, batch size 1): p50 %v p99 %v\n",
			len(l), l[len(l)/2].Round(10*time.Microsecond), l[len(l)*99/100].Round(10*time.Microsecond))
	}
}

// FormatRow is one line of the table.
func FormatRow(r Row) string {
	s := fmt.Sprintf("%-28s c=%-3d| %s | %s | %s | ", r.Name, r.Concurrency, cell(r.Nubo), cell(r.Floor), cell(r.Engine))
	if r.Peer == nil {
		return s + fmt.Sprintf("%-27s | %13s  %9.2f", "not supported", "", ratio(r.Nubo, r.Floor))
	}
	return s + fmt.Sprintf("%s | %12.2fx  %9.2f", cell(r.Peer), ratio(r.Nubo, r.Peer), ratio(r.Nubo, r.Floor))
}

func ratio(a, b *Stats) float64 {
	if a == nil || b == nil || b.PerSec == 0 {
		return 0
	}
	return a.PerSec / b.PerSec
}

func cell(s *Stats) string {
	if s == nil {
		return fmt.Sprintf("%-27s", "-")
	}
	if s.Requests == 0 {
		return fmt.Sprintf("%-27s", fmt.Sprintf("failed (%d errors)", s.Errors))
	}
	c := fmt.Sprintf("%8.0f %9s %9s", s.PerSec, short(s.P50), short(s.P99))
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
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%dµs", d.Microseconds())
}

func loads(l []float64) string {
	parts := make([]string, len(l))
	for i, v := range l {
		parts[i] = fmt.Sprintf("%.1f", v)
	}
	return strings.Join(parts, " ")
}

func sortedKeys(m map[int]*Stats) []int { return slices.Sorted(maps.Keys(m)) }
