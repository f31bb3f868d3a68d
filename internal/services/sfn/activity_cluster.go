package sfn

import (
	"context"
	"encoding/json"
	"time"
)

// In a cluster an activity's task waits on the node that runs its
// execution: the attempt is a goroutine of that run, which records
// ActivityStarted (with the worker's name) before the worker gets the
// task, so the task cannot move without its run. A worker's
// GetActivityTask therefore looks for it on every node: it takes from
// this node's queue and, while it finds none there, asks each other live
// node in turn for one of its queued tasks (sfn.TakeActivityTask), every
// activitySweep until the poll ends. The remote take never waits: a poll
// has at most one take in flight, and a queue pops a task under its
// node's lock, so each task goes to exactly one worker (long takes on
// several nodes at once could hand one poll two tasks, one of them
// started with no worker to run it). Its cost is a small request per
// other node per sweep per waiting poll, and a task queued on another
// node reaches a waiting worker within a sweep.
//
// A task is never lost with a node: when the execution's node dies before
// a worker took the task, the node that resumes the execution replays it
// to its ActivityScheduled and queues the task again, as a restart does;
// once ActivityStarted is recorded the task is the worker's, and a worker
// whose answer never comes (its poll's node died on the way back, as a
// worker that dies) is timed out by the state's HeartbeatSeconds or
// TimeoutSeconds.

// activitySweep is how often a waiting GetActivityTask asks the other
// nodes for a task.
const activitySweep = 200 * time.Millisecond

const takeMethod = "sfn.TakeActivityTask"

// handleTakes serves the other nodes' takes of this node's tasks.
func (s *Service) handleTakes() {
	s.cl.c.Handle(takeMethod, func(ctx context.Context, payload []byte) ([]byte, error) {
		in := &GetActivityTaskInput{}
		if err := json.Unmarshal(payload, in); err != nil {
			return nil, err
		}
		out := s.takeHere(in.ActivityArn, in.WorkerName)
		if out == nil {
			out = &GetActivityTaskOutput{}
		}
		return json.Marshal(out)
	})
}

// takeHere hands the oldest task of this node's queue for the activity to
// the worker; nil when there is none.
func (s *Service) takeHere(arn, worker string) *GetActivityTaskOutput {
	for {
		t, _ := s.takeActivityTask(arn)
		if t == nil {
			return nil
		}
		if out := handOver(t, worker); out != nil {
			return out
		}
	}
}

// takeElsewhere asks the other live nodes, one at a time, for a task of
// the activity; nil when none has one (or alone). Each sweep starts with
// the next node, so that one node's tasks do not starve another's.
func (s *Service) takeElsewhere(ctx context.Context, in *GetActivityTaskInput) *GetActivityTaskOutput {
	if s.cl == nil {
		return nil
	}
	payload, err := json.Marshal(in)
	if err != nil {
		return nil
	}
	self := s.cl.c.Self()
	var others []string
	for _, m := range s.cl.c.Nodes() {
		if m.Live && m.Name != self {
			others = append(others, m.Name)
		}
	}
	first := int(s.cl.sweeps.Add(1))
	for i := range others {
		node := others[(first+i)%len(others)]
		// Not cancelled with the worker's request: once the other node
		// handed the task over, the answer must come back.
		b, err := s.cl.c.Call(context.WithoutCancel(ctx), node, takeMethod, payload)
		if err != nil {
			s.log.Debug("sfn: take activity task", "node", node, "err", err)
			continue
		}
		out := &GetActivityTaskOutput{}
		if err := json.Unmarshal(b, out); err == nil && out.TaskToken != "" {
			return out
		}
	}
	return nil
}

// sweepTimer fires when a waiting poll asks the other nodes again (never
// alone).
func (s *Service) sweepTimer() <-chan time.Time {
	if s.cl == nil {
		return nil
	}
	return s.clock.After(activitySweep)
}
