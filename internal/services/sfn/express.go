package sfn

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/store"
)

// Express executions run in memory: their history goes to the state
// machine's logs only, and no API describes them. An asynchronous one is
// at least once: its start request is stored (row q.KEY) until it ends, and
// a restart runs it again from the beginning. In a cluster an Express
// execution runs on the node that started it and dies with it: only that
// node's restart runs an asynchronous one again.

// billedMemoryMB is the memory an Express execution is billed for.
const billedMemoryMB = 64

func expressArn(region, account, machineName, name string) string {
	return arn.New("states", region, account, "express:"+machineName+":"+name+":"+uuid.NewString()).String()
}

// queued is the stored start request of an asynchronous Express execution.
type queued struct {
	Meta *execMeta `json:"meta"`
	// Node is the node of a cluster that runs it: only its restart runs
	// it again (the others cannot tell whether it still runs).
	Node string `json:"node,omitempty"`
}

func (s *Service) startExpressAsync(ctx context.Context, t *target, name, input, trace string) (*StartExecutionOutput, error) {
	meta := s.newMeta(t, name, input, trace, expressArn(t.machine.Region, s.opts.Account, t.machine.Name, name))
	key := store.Key(t.machine.Region, t.machine.Name, uuid.NewString())
	q := &queued{Meta: meta}
	if s.cl != nil {
		q.Node = s.cl.c.Self()
	}
	b, err := json.Marshal(q)
	if err != nil {
		return nil, err
	}
	if err := s.table.Write(store.Row{Key: "q." + key, Value: b}).Wait(ctx); err != nil {
		return nil, err
	}
	if err := s.runExpress(meta, key); err != nil {
		return nil, err
	}
	return &StartExecutionOutput{ExecutionArn: meta.Arn, StartDate: At(meta.Start)}, nil
}

// runExpress starts an asynchronous Express execution; its queued row is
// deleted when it ends.
func (s *Service) runExpress(meta *execMeta, key string) error {
	r, err := s.expressRun(meta)
	if err != nil {
		return err
	}
	go func() {
		<-r.done
		if s.runCtx.Err() != nil {
			return // runs again after the restart
		}
		if err := s.table.Write(store.Row{Key: "q." + key}).Wait(context.Background()); err != nil {
			s.log.Error("dequeue express execution", "execution", meta.Arn, "err", err)
		}
	}()
	return nil
}

func (s *Service) expressRun(meta *execMeta) (*run, error) {
	r, root, err := s.newRun(meta, "", nil, nil, 0, true)
	if err != nil {
		return nil, err
	}
	if _, err := root.emit("ExecutionStarted", func(e *HistoryEvent) {
		e.ExecutionStartedEventDetails = &ExecutionStartedDetails{Input: strp(meta.Input), InputDetails: noTruncation, RoleArn: meta.Spec.RoleArn,
			StateMachineAliasArn: meta.AliasArn, StateMachineVersionArn: meta.VersionArn}
	}, time.Time{}); err != nil {
		return nil, err
	}
	root.last = 0
	s.launch(r, root)
	return r, nil
}

// resumeExpress runs again the asynchronous Express executions a previous
// process had not finished.
func (s *Service) resumeExpress(ctx context.Context) error {
	return s.table.Scan(ctx, "q", func(row store.Row) bool {
		q := &queued{}
		if err := json.Unmarshal(row.Value, q); err != nil || q.Meta == nil {
			s.log.Error("load queued express execution", "key", row.Key, "err", err)
			return true
		}
		if s.cl != nil && q.Node != s.cl.c.Self() {
			return true // another node's
		}
		q.Meta.Start = s.clock.Now().Truncate(time.Millisecond)
		if err := s.runExpress(q.Meta, row.Key[len("q."):]); err != nil {
			s.log.Error("resume express execution", "execution", q.Meta.Arn, "err", err)
		}
		return true
	})
}

// StartSyncExecution runs an Express execution and returns its outcome.
func (s *Service) StartSyncExecution(ctx context.Context, sc Scope, in *StartExecutionInput) (*StartSyncExecutionOutput, error) {
	t, err := s.resolveTarget(ctx, in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if t.spec.Type != TypeExpress {
		return nil, errorf(ErrStateMachineTypeNotSupported, "This operation is not supported by this type of state machine")
	}
	input, err := checkInput(in.Input)
	if err != nil {
		return nil, err
	}
	name := in.Name
	if name == "" {
		name = uuid.NewString()
	}
	if !validName(name) {
		return nil, invalidName(name)
	}
	meta := s.newMeta(t, name, input, in.TraceHeader, expressArn(t.machine.Region, s.opts.Account, t.machine.Name, name))
	r, err := s.expressRun(meta)
	if err != nil {
		return nil, err
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		r.cancel(&stopped{Name: "States.Runtime", Cause: "The caller of StartSyncExecution went away."})
		return nil, ctx.Err()
	}
	return syncOutput(r, in.IncludedData == "METADATA_ONLY"), nil
}

func syncOutput(r *run, metadataOnly bool) *StartSyncExecutionOutput {
	r.mu.Lock()
	m := r.meta
	r.mu.Unlock()
	status := m.Status
	if status == StatusAborted {
		status = StatusFailed
	}
	memory, billed := ExpressBilled(m.Stop.Sub(m.Start))
	out := &StartSyncExecutionOutput{ExecutionArn: m.Arn, StateMachineArn: m.MachineArn, Name: m.Name, StartDate: At(m.Start), StopDate: At(m.Stop),
		Status: status, Error: m.Error, Cause: m.Cause, Input: strp(m.Input), InputDetails: &DataDetails{Included: true},
		TraceHeader: m.TraceHeader, BillingDetails: &BillingDetails{BilledMemoryUsedInMB: memory, BilledDurationInMilliseconds: billed}}
	if m.Output != nil {
		out.Output, out.OutputDetails = m.Output, &DataDetails{Included: true}
	}
	if metadataOnly {
		out.Input, out.Output, out.InputDetails, out.OutputDetails = nil, nil, &DataDetails{}, nil
	}
	return out
}
