package s3bench

import (
	"strings"
	"testing"
	"time"
)

// A row merges both measurements of a target: rates over their summed
// time, percentiles over every operation.
func TestMergeAndFormat(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		var out []time.Duration
		for _, v := range n {
			out = append(out, time.Duration(v)*time.Millisecond)
		}
		return out
	}
	s := merge([]sample{
		{lat: ms(3, 1, 2), ops: 3, bytes: 3 << 20, elapsed: time.Second},
		{lat: ms(4), ops: 1, errs: 1, bytes: 1 << 20, elapsed: time.Second},
	})
	if s.Ops != 4 || s.Errors != 1 || s.PerSec() != 2 || s.MBPerSec() != 2 || s.P50 != 3*time.Millisecond || s.P99 != 4*time.Millisecond {
		t.Errorf("merged %+v", s)
	}
	r := Row{Name: "PUT 4 KiB c=1", Nubo: s, Peer: merge([]sample{{lat: ms(1), ops: 1, bytes: 1 << 20, elapsed: time.Second}})}
	if line := FormatRow(r); !strings.Contains(line, "2.00x") || !strings.Contains(line, "(1 errors)") {
		t.Errorf("row %q", line)
	}
	if got := FormatRow(Row{Name: "x", Nubo: s}); !strings.Contains(got, "failed (0 errors)") {
		t.Errorf("a peer without operations: %q", got)
	}
	for n, want := range map[int]string{4 << 10: "4 KiB", 16 << 20: "16 MiB", 1 << 30: "1 GiB", 1000: "1000 B"} {
		if got := sizeLabel(n); got != want {
			t.Errorf("sizeLabel(%d) = %q, want %q", n, got, want)
		}
	}
}
