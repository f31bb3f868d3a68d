package store

import (
	"testing"
	"time"
)

func TestWriteBehindDelay(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const every = 50 * time.Millisecond
	for _, tt := range []struct {
		name string
		last time.Time
		want time.Duration
	}{
		{"never stored", time.Time{}, 0},
		{"stored long ago", now.Add(-time.Second), 0},
		{"stored every ago", now.Add(-every), 0},
		{"stored just now", now, every},
		{"stored 20 ms ago", now.Add(-20 * time.Millisecond), 30 * time.Millisecond},
	} {
		w := &WriteBehind{every: every, last: tt.last}
		if got := w.delay(now); got != tt.want {
			t.Errorf("%s: delay %v; want %v", tt.name, got, tt.want)
		}
	}
}

// TestWriteBehindStores checks that what is pending is stored at once after
// a quiet spell, once for many Pending calls, and that what comes next waits
// for every to pass.
func TestWriteBehindStores(t *testing.T) {
	stored := make(chan struct{}, 10)
	w := NewWriteBehind(time.Hour, func() { stored <- struct{}{} })
	defer w.timer.Stop()
	for range 3 {
		w.Pending()
	}
	<-stored
	w.Pending()
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.scheduled || len(stored) != 0 {
		t.Errorf("scheduled %v, %d more stores; want one scheduled an hour after the first", w.scheduled, len(stored))
	}
}
