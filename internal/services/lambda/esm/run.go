package esm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// Run starts the pollers of enabled mappings, follows every change made
// through the API (and, in a cluster, through the other nodes), and stops
// the pollers when ctx ends.
func (s *Service) Run(ctx context.Context) error {
	defer func() {
		s.runMu.Lock()
		defer s.runMu.Unlock()
		for id, r := range s.running {
			r.p.stop()
			delete(s.running, id)
		}
		s.stopping.Wait()
	}()
	s.mu.Lock()
	for id := range s.mappings {
		s.notify(id)
	}
	s.mu.Unlock()
	s.track()
	for {
		select {
		case <-ctx.Done():
			return nil
		case id := <-s.changed:
			s.restart(ctx, id)
			s.track()
		}
	}
}

// stopper is a running poller: halt cancels it, stop cancels it and
// waits for its workers to end.
type stopper interface {
	halt()
	stop()
}

// run is a running poller and the mapping it runs.
type run struct {
	p stopper
	m *mapping
}

// restart brings a mapping's poller in line with the mapping: it stops
// one that runs settings no longer current (or a mapping no longer to run
// here), settles the mapping into its resting state, and starts the
// poller if it is to run here and is not running.
func (s *Service) restart(ctx context.Context, id string) {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	s.mu.Lock()
	m := s.mappings[id]
	s.mu.Unlock()
	cur := s.running[id]
	stopped := false
	if cur != nil && (m == nil || !s.runsHere(m) || !sameRun(cur.m, m)) {
		cur.p.stop()
		delete(s.running, id)
		cur, stopped = nil, true
	}
	next := s.reconcile(ctx, id, stopped)
	if cur == nil && next != nil && s.runsHere(next) {
		if p := s.start(ctx, next); p != nil {
			s.running[id] = &run{p: p, m: next}
		}
	}
}

// runsHere tells whether m's poller is to run on this node: an enabled
// mapping's, a stream's only on the node the group gave it to.
func (s *Service) runsHere(m *mapping) bool {
	if !m.Enabled || m.Config.State == StateDeleting {
		return false
	}
	if !m.stream() || s.group == nil {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held[m.Config.UUID]
}

// sameRun tells whether two versions of a mapping run alike (they differ
// at most in state and processing result).
func sameRun(a, b *mapping) bool {
	strip := func(m *mapping) []byte {
		c := *m
		c.Config.State, c.Config.LastModified, c.Config.LastProcessingResult, c.Config.StateTransitionReason = "", epoch{}, "", ""
		out, _ := json.Marshal(c)
		return out
	}
	return bytes.Equal(strip(a), strip(b))
}

// reconcile settles a mapping into its resting state: a deleted one is
// removed with its checkpoints (once its poller here stopped, told by
// stopped, so that none is written after), another one is Enabled or
// Disabled. It returns the mapping, nil once deleted.
func (s *Service) reconcile(ctx context.Context, id string, stopped bool) *mapping {
	s.mu.Lock()
	m := s.mappings[id]
	if m == nil { // deleted through another node
		s.mu.Unlock()
		if stopped {
			s.deleteCheckpoints(ctx, id)
		}
		return nil
	}
	if m.Config.State == StateDeleting {
		delete(s.mappings, id)
		err := s.kv.Delete(ctx, key(id))
		s.revs.Deleted(key(id))
		s.mu.Unlock()
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.Error("esm: delete mapping", "uuid", id, "err", err)
		}
		s.deleteCheckpoints(ctx, id)
		return nil
	}
	next := *m
	next.Config.State = StateDisabled
	if m.Enabled {
		next.Config.State = StateEnabled
	}
	if next.Config.State != m.Config.State {
		next.Config.LastModified = epoch(time.Now())
		// Every node settles the mappings it follows: the first write
		// wins, and one based on a version since changed (an update made
		// through another node) is dropped, the change to come.
		b, _ := json.Marshal(&next)
		rev, err := s.kv.Update(ctx, key(id), b, m.rev)
		switch {
		case err == nil:
			s.revs.Wrote(key(id), rev)
			next.rev = rev
			s.mappings[id] = &next
		case errors.Is(err, store.ErrRevision) || errors.Is(err, store.ErrNotFound):
		default:
			s.log.Error("esm: save mapping state", "uuid", id, "err", err)
		}
	}
	s.mu.Unlock()
	return &next
}

// start starts an enabled mapping's poller.
func (s *Service) start(ctx context.Context, m *mapping) stopper {
	if m.stream() {
		if s.streams == nil {
			return nil
		}
		return s.startStream(ctx, m)
	}
	ref, ok := s.queues.ParseARN(m.Config.EventSourceArn)
	if !ok {
		return nil
	}
	pctx, cancel := context.WithCancel(ctx)
	p := &poller{s: s, m: m, queue: ref, cancel: cancel, filters: m.filters()}
	p.start(pctx)
	return p
}
