package cluster

import (
	"context"
	"encoding/json"
	"maps"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// A node's heartbeat and its fence: a node that cannot store its heartbeat
// within FenceAfter stops serving what it holds until it can again.

// beat stores this node's heartbeat, bounded by the fence's time.
func (c *Cluster) beat(ctx context.Context) error {
	started := time.Now()
	info := c.self
	if c.opts.Load != nil {
		info.Load = c.opts.Load()
	}
	c.mu.Lock()
	reports := maps.Clone(c.applied)
	c.mu.Unlock()
	if len(reports) > 0 {
		info.Applied = make(map[string]uint64, len(reports))
		for name, fn := range reports {
			info.Applied[name] = fn()
		}
	}
	c.mu.Lock()
	c.self.Beat++
	info.Beat, info.At = c.self.Beat, started
	c.mu.Unlock()
	data, _ := json.Marshal(info)
	bctx, cancel := context.WithTimeout(ctx, c.opts.FenceAfter)
	defer cancel()
	if _, err := c.kv.Put(bctx, store.Key(nodePrefix, c.self.Name), data); err != nil {
		return err
	}
	c.mu.Lock()
	// A node paused for so long that the others may have found it dead
	// (Run could not fence it meanwhile) reads and renews its claims
	// before it serves again; after a shorter pause none can have been
	// taken.
	paused := !c.fenced && !c.beatOK.IsZero() && time.Since(c.beatOK) >= c.mayBeDeadAfter()
	if paused {
		c.fenceLocked()
	}
	c.beatOK = started
	c.mu.Unlock()
	if paused {
		c.log.Warn("cluster: this node's heartbeats stopped for a while (was it paused?): it stops serving what it holds until it has read the claims", "node", c.self.Name)
	}
	return nil
}

// mayBeDeadAfter is how long after the start of this node's last stored
// heartbeat another node may find it dead (DeadAfter; less a beat, to be
// safe).
func (c *Cluster) mayBeDeadAfter() time.Duration { return c.opts.DeadAfter - c.opts.Beat }

// fenceLocked stops this node serving what it holds until checkFence
// unfences it.
func (c *Cluster) fenceLocked() {
	c.fenced, c.fencedSince = true, c.beatOK
	c.fences++
	c.serving = make(chan struct{})
}

// checkFence fences this node when its heartbeat is too old, and
// unfences it once one was stored and it has read every claim stored
// meanwhile, dropping what others took. After a fence long enough that
// the others may have found it dead it renews its claims first: one of
// them may be deciding to take what it holds on a view without its new
// heartbeat, and claim only after this node read the claims.
func (c *Cluster) checkFence(ctx context.Context, stored bool) {
	c.mu.Lock()
	old := time.Since(c.beatOK) >= c.opts.FenceAfter
	fenced := c.fenced
	if old && !fenced {
		c.fenceLocked()
		c.mu.Unlock()
		c.log.Warn("cluster: this node cannot store its heartbeat: it stops serving what it holds until it can", "node", c.self.Name)
		return
	}
	c.mu.Unlock()
	if !fenced || !stored || old {
		return
	}
	sctx, cancel := context.WithTimeout(ctx, c.opts.FenceAfter)
	defer cancel()
	if err := c.follow.Sync(sctx); err != nil {
		return
	}
	c.mu.Lock()
	long := time.Since(c.fencedSince) >= c.mayBeDeadAfter()
	c.mu.Unlock()
	for _, g := range c.allGroups() {
		g.dropLost()
		if !long {
			continue
		}
		if err := g.renew(sctx); err != nil {
			c.log.Debug("cluster: unfence", "err", err)
			return
		}
	}
	c.mu.Lock()
	c.fenced = false
	close(c.serving)
	c.mu.Unlock()
	c.log.Info("cluster: this node serves again", "node", c.self.Name)
}

// Fences counts the times this node has stopped serving what it holds
// because its heartbeats were not stored in time.
func (c *Cluster) Fences() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fences
}

// Serving reports whether this node serves what it holds: it is not
// fenced, and its last heartbeat is recent (a node that was paused longer
// than FenceAfter must not serve a request before Run fences it).
func (c *Cluster) Serving() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.servingLocked()
}

func (c *Cluster) servingLocked() bool {
	return !c.fenced && time.Since(c.beatOK) < c.opts.FenceAfter
}

// waitServing waits until this node serves, for at most DeadAfter.
func (c *Cluster) waitServing(ctx context.Context) error {
	c.mu.Lock()
	if c.servingLocked() {
		c.mu.Unlock()
		return nil
	}
	ch := c.serving
	c.mu.Unlock()
	t := time.NewTimer(c.opts.DeadAfter)
	defer t.Stop()
	poll := time.NewTicker(c.opts.Beat / 2)
	defer poll.Stop()
	for {
		select {
		case <-ch:
		case <-poll.C:
		case <-t.C:
			return errFenced
		case <-ctx.Done():
			return ctx.Err()
		}
		if c.Serving() {
			return nil
		}
		c.mu.Lock()
		ch = c.serving
		c.mu.Unlock()
	}
}

var errFenced = store.Unavailable("this node has lost touch with the cluster's store")
