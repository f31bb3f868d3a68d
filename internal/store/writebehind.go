package store

import (
	"sync"
	"time"
)

// WriteBehind schedules the storing of what a component keeps in memory
// before it is stored (the logs' events, the meter's invocations): at most
// once per every, so that a busy component costs the store a few messages
// per every rather than some per operation; and at once when the last
// store is longer ago than every, so that after a quiet spell nothing waits.
// A crash loses at most every's worth of what was pending.
//
// Each store is a burst of work for JetStream's goroutines: on a machine
// whose CPUs are expensive to wake, storing every 5 ms cost more CPU per
// invocation than anything else nubo adds to it.
type WriteBehind struct {
	every time.Duration
	store func()
	timer *time.Timer

	mu        sync.Mutex
	scheduled bool
	last      time.Time // when store last started
}

// NewWriteBehind returns a WriteBehind that calls store, in a goroutine of
// its own, when Pending asks for it.
func NewWriteBehind(every time.Duration, store func()) *WriteBehind {
	w := &WriteBehind{every: every, store: store}
	w.timer = time.AfterFunc(time.Hour, w.run)
	w.timer.Stop()
	return w
}

// Pending says that something waits to be stored.
func (w *WriteBehind) Pending() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.scheduled {
		return
	}
	w.scheduled = true
	w.timer.Reset(w.delay(time.Now()))
}

// delay is how long a store asked for at now waits.
func (w *WriteBehind) delay(now time.Time) time.Duration {
	return max(0, w.last.Add(w.every).Sub(now))
}

func (w *WriteBehind) run() {
	w.mu.Lock()
	w.scheduled = false
	w.last = time.Now()
	w.mu.Unlock()
	w.store()
}
