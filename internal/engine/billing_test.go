package engine

import (
	"testing"
	"time"
)

func TestBilledMs(t *testing.T) {
	tests := []struct {
		d, granularity time.Duration
		want           int64
	}{
		{0, 0, 0},
		{time.Microsecond, 0, 1},
		{time.Millisecond, 0, 1},
		{1001 * time.Microsecond, 0, 2},
		{1234567 * time.Microsecond, time.Millisecond, 1235},
		{time.Microsecond, 100 * time.Millisecond, 100},
		{100 * time.Millisecond, 100 * time.Millisecond, 100},
		{100*time.Millisecond + time.Microsecond, 100 * time.Millisecond, 200},
		{1234567 * time.Microsecond, 100 * time.Millisecond, 1300},
	}
	for _, tt := range tests {
		if got := billedMs(tt.d, tt.granularity); got != tt.want {
			t.Errorf("billedMs(%v, %v): got %d, want %d", tt.d, tt.granularity, got, tt.want)
		}
	}
}
