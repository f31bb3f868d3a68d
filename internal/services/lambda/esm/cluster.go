package esm

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nubo-dev/nubo/internal/store"
)

// In a cluster every node follows the esm bucket (Follow), so that a
// mapping created, updated or deleted through any node is run, changed or
// stopped on every node within a moment. A queue's mapping polls from
// every node (SQS receives are exclusive, by visibility timeout) with
// this node's share of its MaximumConcurrency (cluster.Share), so that
// the mapping's bound holds cluster-wide. A stream's mapping is read by
// one node at a time: a cluster.Group ("esm") gives each enabled stream
// mapping to one live node (Track), which runs its poller from the
// shards' checkpoints, stored in the replicated bucket after every batch;
// when that node dies or hands the mapping over, the next one resumes
// from them, so at most the batches in flight are processed again.

// groupName is the cluster.Group of stream mappings.
const groupName = "esm"

// Follow keeps this node's mappings in step with the writes other nodes
// make to the bucket, until ctx ends; changes this node made itself are
// applied already and skipped (s.revs).
func (s *Service) Follow(ctx context.Context, kv store.Watchable) error {
	f, err := kv.Watch(ctx, store.Key("esm"), func(ch store.Change) {
		parts := store.SplitKey(ch.Key)
		if len(parts) != 2 {
			return
		}
		id := parts[1]
		s.mu.Lock()
		fresh := s.revs.Fresh(ch)
		if fresh {
			s.applyLocked(id, ch)
		}
		s.mu.Unlock()
		if fresh {
			s.notify(id)
		}
	})
	if err != nil {
		return fmt.Errorf("follow the event source mappings: %w", err)
	}
	s.revs.Watching(f)
	return nil
}

// applyLocked applies another node's change of a mapping.
func (s *Service) applyLocked(id string, ch store.Change) {
	if ch.Deleted {
		delete(s.mappings, id)
		return
	}
	var m mapping
	if err := json.Unmarshal(ch.Value, &m); err != nil {
		s.log.Warn("esm: skip an unreadable mapping another node wrote", "key", ch.Key, "err", err)
		return
	}
	m.rev = ch.Revision
	s.mappings[id] = &m
}

// sync makes this node's mappings reflect every write stored before it
// was called (a mapping created through another node is found at once).
func (s *Service) sync(ctx context.Context) {
	if err := s.revs.Sync(ctx); err != nil {
		s.log.Warn("esm: read the mappings", "err", err)
	}
}

// track tells the group which stream mappings must be read by some node:
// the enabled ones.
func (s *Service) track() {
	if s.group == nil {
		return
	}
	s.mu.Lock()
	var ids []string
	for id, m := range s.mappings {
		if m.stream() && m.Enabled && m.Config.State != StateDeleting {
			ids = append(ids, id)
		}
	}
	s.mu.Unlock()
	s.group.Track(ids)
}

// holder starts and stops the stream mappings the group gives this node.
type holder struct{ s *Service }

// Acquire marks the mapping as read here and has Run start its poller
// (its checkpoints are in the bucket already).
func (h holder) Acquire(_ context.Context, id string) error {
	h.s.mu.Lock()
	h.s.held[id] = true
	h.s.mu.Unlock()
	h.s.notify(id)
	return nil
}

// Release cancels the mapping's poller before the group lets another
// node take it: from now on it neither invokes nor checkpoints, and a
// batch in flight is left uncheckpointed, to be processed again by the
// next node. It does not wait for that batch's invocation to end (the
// group releases from its heartbeat loop, which must not stall for a
// function's run): the poller is waited for in the background, and Run
// waits for it before it returns.
func (h holder) Release(id string) {
	s := h.s
	s.runMu.Lock()
	defer s.runMu.Unlock()
	s.mu.Lock()
	delete(s.held, id)
	s.mu.Unlock()
	if r := s.running[id]; r != nil && r.m.stream() {
		r.p.halt()
		delete(s.running, id)
		s.stopping.Go(r.p.stop)
	}
}

// serving reports whether this node may run what it holds: alone always,
// in a cluster while it is not fenced.
func (s *Service) serving() bool { return s.cl == nil || s.cl.Serving() }

// share is this node's part of a mapping's concurrency: all of it alone.
func (s *Service) share(m *mapping) int {
	if s.cl == nil {
		return m.concurrency()
	}
	return s.cl.Share(m.concurrency(), "esm/"+m.Config.UUID)
}
