package cluster

import (
	"context"
	"encoding/json"
	"fmt"
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
	c.beatOK = started
	c.mu.Unlock()
	return nil
}

// checkFence fences this node when its heartbeat is too old, and
// unfences it once one was stored and it has read every claim stored
// meanwhile, dropping what others took.
func (c *Cluster) checkFence(ctx context.Context, stored bool) {
	c.mu.Lock()
	old := time.Since(c.beatOK) >= c.opts.FenceAfter
	fenced := c.fenced
	if old && !fenced {
		c.fenced = true
		c.serving = make(chan struct{})
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
	for _, g := range c.allGroups() {
		g.dropLost()
	}
	c.mu.Lock()
	c.fenced = false
	close(c.serving)
	c.mu.Unlock()
	c.log.Info("cluster: this node serves again", "node", c.self.Name)
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

var errFenced = fmt.Errorf("%w: this node has lost touch with the cluster's store", store.ErrUnavailable)
