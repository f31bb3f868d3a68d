package sfn

import (
	"context"
	"strings"
	"time"
)

// RedriveExecution restarts a failed, timed-out or aborted Standard
// execution from where it failed: states that had succeeded keep their
// results; the failed ones (and in a Map or Parallel state only the failed
// iterations and branches) run again with the input they had.
func (s *Service) RedriveExecution(ctx context.Context, sc Scope, in *RedriveExecutionInput) (*RedriveExecutionOutput, error) {
	if s.cl != nil {
		if _, _, err := s.execution(ctx, in.ExecutionArn); err != nil {
			return nil, err
		}
		return s.cl.redrive.Do(ctx, in)
	}
	return s.redriveHere(ctx, in)
}

// redriveHere redrives an execution on the node that holds it.
func (s *Service) redriveHere(ctx context.Context, in *RedriveExecutionInput) (*RedriveExecutionOutput, error) {
	m, r, err := s.execution(ctx, in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if r != nil {
		return nil, errorf(ErrExecutionNotRedrivable, "Execution is RUNNING and cannot be redriven")
	}
	if status, reason := s.redriveStatus(m); status != "REDRIVABLE" {
		return nil, errorf(ErrExecutionNotRedrivable, "%s", reason)
	}
	key := execKey(m.Region, m.MachineName, m.Name)
	history, seq, err := s.loadHistory(ctx, key)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	m.RedriveCount++
	m.RedriveDate, m.Status, m.Stop, m.Output, m.Error, m.Cause = now, StatusRunning, time.Time{}, nil, "", ""
	s.mu.Lock()
	if s.runs[m.Arn] != nil {
		s.mu.Unlock()
		return nil, errorf(ErrExecutionNotRedrivable, "Execution is RUNNING and cannot be redriven")
	}
	entry, prev := m.entry(key), s.execs[m.Arn]
	s.execs[m.Arn] = entry
	delete(s.unpublished, key) // its end is no longer the news
	s.mu.Unlock()
	err = nil
	if s.cl != nil {
		// Published first, as a start is: a summary saying RUNNING is
		// what makes the others resume it should this node die.
		err = s.cl.publish(ctx, entry)
	}
	if err == nil {
		err = s.startRedriven(m, key, history, seq)
	}
	if err != nil {
		s.mu.Lock()
		if prev != nil {
			s.execs[m.Arn] = prev
		} else {
			delete(s.execs, m.Arn)
		}
		s.mu.Unlock()
		if s.cl != nil && prev != nil {
			s.cl.publish(context.WithoutCancel(ctx), prev)
		}
		return nil, err
	}
	return &RedriveExecutionOutput{RedriveDate: At(now)}, nil
}

// startRedriven resumes an execution whose replay stops, in each thread,
// after its last success, and records ExecutionRedriven first.
func (s *Service) startRedriven(m *execMeta, key string, history []recEvent, seq int) error {
	last := int64(0)
	for _, e := range history {
		last = max(last, e.E.ID)
	}
	redriven := recEvent{E: &HistoryEvent{Type: "ExecutionRedriven", ID: last + 1, PreviousEventID: last, Timestamp: At(m.RedriveDate),
		ExecutionRedrivenEventDetails: &ExecutionRedrivenDetails{RedriveCount: m.RedriveCount}}}
	return s.startRunWith(m, key, append(history, redriven), redriveReplay(history), seq, redriven)
}

// redriveReplay keeps of each thread's events those up to its last
// success: a state it exited, or the start of a Map or Parallel state
// whose iterations or branches carry on.
func redriveReplay(history []recEvent) []recEvent {
	byThread := map[string][]recEvent{}
	var order []string
	for _, e := range history {
		if strings.HasPrefix(e.E.Type, "Execution") {
			continue
		}
		if _, ok := byThread[e.T]; !ok {
			order = append(order, e.T)
		}
		byThread[e.T] = append(byThread[e.T], e)
	}
	keep := map[int64]bool{}
	for _, t := range order {
		evs := byThread[t]
		end := len(evs)
		for end > 0 && !safePoint(evs[end-1].E.Type) {
			end--
		}
		for _, e := range evs[:end] {
			keep[e.E.ID] = true
		}
	}
	var out []recEvent
	for _, e := range history {
		if keep[e.E.ID] {
			out = append(out, e)
		}
	}
	return out
}

// safePoint reports whether a thread that stopped after an event of this
// type can go on from it.
func safePoint(typ string) bool {
	switch typ {
	case "MapIterationSucceeded", "MapIterationStarted", "MapStateStarted", "ParallelStateStarted":
		return true
	}
	return strings.HasSuffix(typ, "StateExited")
}

// replayOf is what a resumed run replays of its history: all of it, or,
// after a redrive, what the redriven run replayed (each thread's records
// up to its last success before the redrive) and what it recorded since.
func replayOf(history []recEvent) []recEvent {
	last := -1
	for i, e := range history {
		if e.E.Type == "ExecutionRedriven" {
			last = i
		}
	}
	if last < 0 {
		return history
	}
	return append(redriveReplay(history[:last]), history[last+1:]...)
}
