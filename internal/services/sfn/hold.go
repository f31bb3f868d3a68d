package sfn

import (
	"context"
	"errors"
	"time"
)

// holdEvery is how often a node asks the group to hold the running
// executions that no live node holds: with the cluster's DeadAfter, it
// bounds how long a dead node's executions wait.
const holdEvery = 500 * time.Millisecond

// holder loads and drops executions for the cluster.
type holder struct{ s *Service }

// Acquire resumes a running execution from its records, as a restart
// does. An execution not yet stored is being started through this node;
// a closed one needs nothing.
func (h holder) Acquire(ctx context.Context, key string) error {
	s := h.s
	meta, err := s.loadMeta(ctx, key)
	if errors.Is(err, errNoExecution) {
		s.mu.Lock()
		s.held[key] = true
		s.mu.Unlock()
		return nil
	}
	if err != nil {
		return err
	}
	entry := meta.entry(key)
	s.mu.Lock()
	s.held[key] = true
	if s.runs[meta.Arn] != nil {
		s.mu.Unlock()
		return nil
	}
	s.execs[meta.Arn] = entry
	s.mu.Unlock()
	if meta.Status != StatusRunning {
		// Its node died between storing its end and publishing it.
		return s.cl.publish(ctx, entry)
	}
	events, seq, err := s.loadHistory(ctx, key)
	if err != nil {
		return err
	}
	if len(events) == 0 {
		s.log.Warn("execution without history: its start was never acknowledged", "execution", meta.Arn)
		return nil
	}
	r, root, err := s.newRun(meta, key, events, replayOf(events), seq, false)
	if err != nil {
		return err
	}
	r.resumedAt = time.Now()
	s.log.Info("sfn: resuming execution", "execution", meta.Arn, "node", s.cl.c.Self())
	s.launch(r, root)
	return nil
}

// Release stops the execution's run where it stands, without recording:
// the node that holds it next resumes it from its records.
func (h holder) Release(key string) {
	s := h.s
	s.mu.Lock()
	delete(s.held, key)
	r := s.runs[s.arnOfKey(key)]
	s.mu.Unlock()
	if r != nil {
		r.cancel(errReleased)
		<-r.done
	}
}

// hold asks the group, every holdEvery until ctx ends, to hold each
// running execution of the index that does not run here: the node it
// prefers among the live ones acquires those that no live node holds
// (a dead node's), and the others leave them be. It also gives up the
// executions held here with nothing running.
func (s *Service) hold(ctx context.Context) {
	t := time.NewTicker(holdEvery)
	defer t.Stop()
	idle := map[string]bool{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !s.cl.c.Serving() {
			continue
		}
		for _, key := range s.orphans() {
			_, done, err := s.cl.g.Use(ctx, key)
			switch {
			case done != nil:
				done()
			case err != nil && ctx.Err() == nil:
				s.log.Warn("sfn: hold execution", "key", key, "err", err)
			}
		}
		idle = s.forgetIdle(idle)
		s.publishEnds(ctx)
	}
}

// publishEnds publishes the summaries of the executions that ended here
// while the bucket refused them: until then the others' indexes say they
// run.
func (s *Service) publishEnds(ctx context.Context) {
	s.mu.Lock()
	var ends []*execEntry
	for _, e := range s.unpublished {
		ends = append(ends, e)
	}
	s.mu.Unlock()
	for _, e := range ends {
		if err := s.cl.publish(ctx, e); err != nil {
			return
		}
		s.mu.Lock()
		if s.unpublished[e.Key] == e {
			delete(s.unpublished, e.Key)
		}
		s.mu.Unlock()
	}
}

// orphans are the keys of the running executions of the index that do not
// run on this node.
func (s *Service) orphans() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for execArn, e := range s.execs {
		if e.Status == StatusRunning && s.runs[execArn] == nil {
			out = append(out, e.Key)
		}
	}
	return out
}

// forgetIdle gives up the executions held here that had nothing running
// at the last pass and still have none (held for an operation on a
// closed execution, or for a start that failed); last is the previous
// pass's set, and the result this one's.
func (s *Service) forgetIdle(last map[string]bool) map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	idle := map[string]bool{}
	for key := range s.held {
		if s.runs[s.arnOfKey(key)] != nil {
			continue
		}
		if last[key] {
			s.cl.g.Forget(key)
			continue
		}
		idle[key] = true
	}
	return idle
}
