package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/nubo-dev/nubo/internal/cluster"
	"github.com/nubo-dev/nubo/internal/store"
)

// In a cluster each running Standard execution is held by one node (a
// cluster.Group named "sfn", by execution key: rendezvous hashing over the
// live nodes, a claim in the cluster's bucket), which runs it; the other
// nodes send it what changes a running execution — StartExecution,
// StopExecution, RedriveExecution, SendTask* — and read the rest
// (DescribeExecution, GetExecutionHistory) from the table. Every node
// follows the executions' summaries in the KV bucket (exec.KEY), so that
// ListExecutions and the list of running executions are the same on every
// node; each node asks the group, twice a second, to hold the running
// executions no live node holds, and the node rendezvous hashing prefers
// resumes them from their records as a restart does. A node that cannot
// store its heartbeat (fenced) or whose record the store refuses as
// unavailable stops its runs where they stand, without recording, and
// gives them up, so that two nodes never append to one history.

// clusterOps are the operations a clustered Service sends to the holders
// of executions.
type clusterOps struct {
	c      *cluster.Cluster
	g      *cluster.Group
	kv     store.Watchable
	follow *store.Following

	start   *cluster.Op[startIn, StartExecutionOutput]
	stop    *cluster.Op[StopExecutionInput, StopExecutionOutput]
	redrive *cluster.Op[RedriveExecutionInput, RedriveExecutionOutput]
	answer  *cluster.Op[answerIn, empty]

	// sweeps counts GetActivityTask's asks of the other nodes.
	sweeps atomic.Uint64
}

// startIn carries a Standard execution to start: resolved where the call
// arrived, so that its holder needs not know the state machine.
type startIn struct {
	Meta *execMeta `json:"meta"`
	Key  string    `json:"key"`
}

// answerIn carries SendTaskSuccess (Output), SendTaskFailure (Failed) or
// SendTaskHeartbeat (Heartbeat).
type answerIn struct {
	Token     string `json:"token"`
	Output    string `json:"output,omitempty"`
	Failed    bool   `json:"failed,omitempty"`
	Error     string `json:"error,omitempty"`
	Cause     string `json:"cause,omitempty"`
	Heartbeat bool   `json:"heartbeat,omitempty"`
}

type empty struct{}

// Why a run stops without recording its end: released is the group taking
// the execution from this node; notHeld is the run finding, as it records,
// that this node may no longer hold it (an answer it was recording fails
// with it, a 503 to try again).
var (
	errReleased = errors.New("the execution moved to another node")
	errNotHeld  = store.Interrupted("this node may no longer hold the execution")
)

// clusterize makes s one node of c's cluster; kv is the bucket the
// executions' summaries are followed in.
func (s *Service) clusterize(c *cluster.Cluster, kv store.Watchable) {
	c.Codes(ErrExecutionAlreadyExists, ErrExecutionDoesNotExist, ErrExecutionNotRedrivable, ErrInvalidArn,
		ErrInvalidToken, ErrInvalidOutput, ErrTaskDoesNotExist, ErrTaskTimedOut, ErrStateMachineDoesNotExist, ErrValidation)
	g := c.Group("sfn", holder{s})
	// A move stops an execution where it stands and replays it
	// elsewhere, failing the attempts of the tasks in flight: executions
	// stay where they run, and only new ones go to a node that joins.
	g.KeepHeld()
	o := &clusterOps{c: c, g: g, kv: kv, follow: store.NewFollowing()}
	o.start = cluster.NewOp(g, "sfn.StartExecution", func(in *startIn) string { return in.Key },
		func(ctx context.Context, in *startIn) (*StartExecutionOutput, error) {
			return s.startStandard(ctx, in.Meta, in.Key)
		})
	o.stop = cluster.NewOp(g, "sfn.StopExecution", func(in *StopExecutionInput) string { return keyOfArn(in.ExecutionArn) },
		s.stopHere)
	o.redrive = cluster.NewOp(g, "sfn.RedriveExecution", func(in *RedriveExecutionInput) string { return keyOfArn(in.ExecutionArn) },
		s.redriveHere)
	o.answer = cluster.NewOp(g, "sfn.Answer", func(in *answerIn) string {
		execArn, _, _ := parseToken(in.Token)
		return keyOfArn(execArn)
	}, func(ctx context.Context, in *answerIn) (*empty, error) {
		return &empty{}, s.answerHere(ctx, in)
	})
	s.cl = o
	s.handleTakes()
}

// keyOfArn is the key of the execution an ARN names ("" for no execution:
// the operation then fails where it runs, as it would alone).
func keyOfArn(execArn string) string {
	ref, err := parseExecutionArn(execArn)
	if err != nil {
		return "-"
	}
	return execKey(ref.Region, ref.Machine, ref.Name)
}

// arnOfKey is the ARN of the execution of key.
func (s *Service) arnOfKey(key string) string {
	parts := store.SplitKey(key)
	if len(parts) != 3 {
		return ""
	}
	return executionArn(parts[0], s.opts.Account, parts[1], parts[2])
}

func indexKey(key string) string { return "exec." + key }

// publish stores an execution's summary for the other nodes' indexes.
func (o *clusterOps) publish(ctx context.Context, e *execEntry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if _, err := o.kv.Put(ctx, indexKey(e.Key), b); err != nil {
		return fmt.Errorf("publish execution %s: %w", e.Arn, err)
	}
	return nil
}

// reserve stores a new execution's summary, unless the name is taken:
// then it returns the execution that has it.
func (o *clusterOps) reserve(ctx context.Context, e *execEntry) (*execEntry, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	_, err = o.kv.Create(ctx, indexKey(e.Key), b)
	if !errors.Is(err, store.ErrExists) {
		return nil, err
	}
	got, err := o.kv.Get(ctx, indexKey(e.Key))
	if err != nil {
		return nil, fmt.Errorf("reserve execution %s: %w", e.Arn, err)
	}
	old := &execEntry{}
	if err := json.Unmarshal(got.Value, old); err != nil {
		return nil, fmt.Errorf("reserve execution %s: %w", e.Arn, err)
	}
	return old, nil
}

func (s *Service) indexChangedLocked() {
	close(s.indexed)
	s.indexed = make(chan struct{})
}

// holds reports whether this node holds the execution of key and serves:
// what a run checks before it records.
func (s *Service) holds(key string) bool {
	s.mu.Lock()
	held := s.held[key]
	s.mu.Unlock()
	return held && s.cl.c.Serving()
}

// syncIndex returns once this node's memory reflects every summary, state
// machine, version, alias and activity stored before the call.
func (s *Service) syncIndex(ctx context.Context) error {
	return s.cl.follow.Sync(ctx)
}
