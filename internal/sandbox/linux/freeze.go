package linux

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Freeze implements sandbox.Freezer with the cgroup freezer (v1
// freezer.state, v2 cgroup.freeze): every process of the sandbox, PID 1
// included, stops where it is, and Freeze returns once the kernel reports
// them all frozen. Lambda freezes an environment between invocations.
func (b *box) Freeze(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	b.mu.Lock()
	if b.gone || b.stopping {
		b.mu.Unlock()
		return errors.New("freeze: sandbox stopped")
	}
	b.frozen, b.cancelFreeze = true, cancel // Stop ends the wait and thaws
	b.mu.Unlock()
	err := b.s.cg.freeze(ctx)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cancelFreeze = nil
	if err != nil {
		b.frozen = false
	}
	return err
}

// Thaw implements sandbox.Freezer: the sandbox's processes run again.
func (b *box) Thaw() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.frozen {
		return nil
	}
	b.frozen = false
	return b.s.cg.thaw()
}

// freeze stops the cgroup's processes and waits until they have stopped,
// or thaws them again when ctx ends first.
func (c *cgroup) freeze(ctx context.Context) error {
	file, value, state, frozen := "freezer.state", "FROZEN", "freezer.state", "FROZEN"
	dir := c.root.freezer
	if c.root.v2 {
		file, value, state, frozen = "cgroup.freeze", "1", "cgroup.events", "frozen 1"
		dir = c.root.mem
	} else if dir == "" {
		return errors.New("freeze: the host has no cgroup v1 freezer hierarchy")
	}
	if err := writeFile(c.path(dir, file), value); err != nil {
		return fmt.Errorf("freeze: %w", err)
	}
	// Freezing is asynchronous; a parked runtime freezes within tens of
	// microseconds, so poll from there and back off. The v1 freezer can
	// stay FREEZING for good while the cgroup's processes fork (a shell
	// loop's children; runc met it too): writing FROZEN again retries
	// the tasks not frozen yet, so it is written at each poll, and every
	// 50th poll thaws them for 10 ms first, as runc does (a loaded suite
	// run's StopFrozen waited out its minute).
	for i, wait := 1, 20*time.Microsecond; ; i, wait = i+1, min(2*wait, 5*time.Millisecond) {
		data, err := os.ReadFile(c.path(dir, state))
		if err != nil {
			return fmt.Errorf("freeze: %w", err)
		}
		if hasLine(string(data), frozen) {
			return nil
		}
		if !c.root.v2 {
			if err := c.refreeze(i%50 == 0); err != nil {
				return err
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			c.thaw()
			return fmt.Errorf("freeze: %w", ctx.Err())
		}
	}
}

// refreeze writes the v1 freezer's FROZEN again, after a thaw of 10 ms
// when thawFirst.
func (c *cgroup) refreeze(thawFirst bool) error {
	if thawFirst {
		if err := c.thaw(); err != nil {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := writeFile(c.path(c.root.freezer, "freezer.state"), "FROZEN"); err != nil {
		return fmt.Errorf("freeze: %w", err)
	}
	return nil
}

// thaw lets the cgroup's processes run again.
func (c *cgroup) thaw() error {
	file, value, dir := "freezer.state", "THAWED", c.root.freezer
	if c.root.v2 {
		file, value, dir = "cgroup.freeze", "0", c.root.mem
	} else if dir == "" {
		return nil
	}
	if err := writeFile(c.path(dir, file), value); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("thaw: %w", err)
	}
	return nil
}

func hasLine(text, line string) bool {
	for _, l := range strings.Split(text, "\n") {
		if l == line {
			return true
		}
	}
	return false
}
