package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"time"
)

// execution finds an execution's metadata: the live copy of a running one,
// else the stored one.
func (s *Service) execution(ctx context.Context, execArn string) (*execMeta, *run, error) {
	ref, err := parseExecutionArn(execArn)
	if err != nil {
		return nil, nil, err
	}
	if ref.Express {
		return nil, nil, errorf(ErrInvalidArn, "Invalid Arn: 'Resource type not valid in this context: express'")
	}
	s.mu.Lock()
	e := s.execs[execArn]
	r := s.runs[execArn]
	s.mu.Unlock()
	if e == nil && s.cl == nil {
		return nil, nil, execDoesNotExist(execArn)
	}
	if e == nil {
		// Started through another node, whose summary this node's index
		// has not yet: the table has it once StartExecution returned.
		m, err := s.loadMeta(ctx, keyOfArn(execArn))
		if errors.Is(err, errNoExecution) || err == nil && m.Arn != execArn {
			return nil, nil, execDoesNotExist(execArn)
		}
		return m, nil, err
	}
	if r != nil {
		r.mu.Lock()
		m := *r.meta
		r.mu.Unlock()
		return &m, r, nil
	}
	m, err := s.loadMeta(ctx, e.Key)
	if err != nil {
		return nil, nil, err
	}
	return m, nil, nil
}

// DescribeExecution describes a Standard execution.
func (s *Service) DescribeExecution(ctx context.Context, sc Scope, in *ExecutionInput) (*DescribeExecutionOutput, error) {
	m, _, err := s.execution(ctx, in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	out := &DescribeExecutionOutput{ExecutionArn: m.Arn, StateMachineArn: m.MachineArn, Name: m.Name, Status: m.Status,
		StartDate: At(m.Start), Input: strp(m.Input), InputDetails: &DataDetails{Included: true},
		Error: m.Error, Cause: m.Cause, TraceHeader: m.TraceHeader, StateMachineVersionArn: m.VersionArn,
		StateMachineAliasArn: m.AliasArn, RedriveCount: m.RedriveCount}
	if m.VersionArn != "" {
		out.StateMachineArn = m.VersionArn
	}
	if m.AliasArn != "" {
		out.StateMachineArn = m.AliasArn
	}
	if !m.Stop.IsZero() {
		out.StopDate = At(m.Stop)
	}
	if m.Output != nil {
		out.Output, out.OutputDetails = m.Output, &DataDetails{Included: true}
	}
	if m.RedriveCount > 0 {
		out.RedriveDate = At(m.RedriveDate)
	}
	out.RedriveStatus, out.RedriveStatusReason = s.redriveStatus(m)
	if in.IncludedData == "METADATA_ONLY" {
		out.Input, out.Output, out.InputDetails, out.OutputDetails = nil, nil, &DataDetails{}, nil
	}
	return out, nil
}

// ListExecutions lists the executions of a state machine (or of one of its
// versions or aliases), newest first.
func (s *Service) ListExecutions(ctx context.Context, sc Scope, in *ListExecutionsInput) (*ListExecutionsOutput, error) {
	if in.MapRunArn != "" {
		return &ListExecutionsOutput{Executions: []ExecutionListItem{}}, nil
	}
	ref, err := parseMachineArn(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if s.cl != nil {
		// Lists the executions started through other nodes before.
		if err := s.syncIndex(ctx); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	m := s.machines[ref.arn()]
	var items []ExecutionListItem
	for _, e := range s.execs {
		if !listed(e, ref, in) {
			continue
		}
		it := ExecutionListItem{ExecutionArn: e.Arn, StateMachineArn: e.MachineArn, Name: e.Name, Status: e.Status, StartDate: At(e.Start),
			StateMachineVersionArn: e.VersionArn, StateMachineAliasArn: e.AliasArn, RedriveCount: e.RedriveCount}
		if !e.Stop.IsZero() {
			it.StopDate = At(e.Stop)
		}
		if e.RedriveCount > 0 {
			it.RedriveDate = At(e.RedriveDate)
		}
		items = append(items, it)
	}
	s.mu.Unlock()
	if m == nil {
		return nil, smDoesNotExist(in.StateMachineArn)
	}
	if m.Type == TypeExpress {
		return nil, errorf(ErrStateMachineTypeNotSupported, "This operation is not supported by this type of state machine")
	}
	sort.Slice(items, func(i, j int) bool {
		if !items[i].StartDate.Equal(items[j].StartDate.Time) {
			return items[i].StartDate.After(items[j].StartDate.Time)
		}
		return items[i].ExecutionArn > items[j].ExecutionArn
	})
	page, next, err := paginate(items, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &ListExecutionsOutput{Executions: page, NextToken: next}, nil
}

func listed(e *execEntry, ref machineRef, in *ListExecutionsInput) bool {
	switch {
	case e.MachineArn != ref.arn():
		return false
	case ref.isVersion() && e.VersionArn != ref.qualified():
		return false
	case ref.Qualifier != "" && !ref.isVersion() && e.AliasArn != ref.qualified():
		return false
	case in.StatusFilter != "" && e.Status != in.StatusFilter:
		return false
	case in.RedriveFilter == "REDRIVEN" && e.RedriveCount == 0, in.RedriveFilter == "NOT_REDRIVEN" && e.RedriveCount > 0:
		return false
	}
	return true
}

// StopExecution aborts a running execution and returns once its
// ExecutionAborted event is stored.
func (s *Service) StopExecution(ctx context.Context, sc Scope, in *StopExecutionInput) (*StopExecutionOutput, error) {
	if s.cl != nil {
		m, _, err := s.execution(ctx, in.ExecutionArn)
		if err != nil {
			return nil, err
		}
		if m.Status != StatusRunning {
			return &StopExecutionOutput{StopDate: At(m.Stop)}, nil
		}
		return s.cl.stop.Do(ctx, in)
	}
	return s.stopHere(ctx, in)
}

// stopHere stops an execution on the node that runs it.
func (s *Service) stopHere(ctx context.Context, in *StopExecutionInput) (*StopExecutionOutput, error) {
	m, r, err := s.execution(ctx, in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return &StopExecutionOutput{StopDate: At(m.Stop)}, nil
	}
	r.cancel(&stopped{Name: in.Error, Cause: in.Cause})
	select {
	case <-r.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return &StopExecutionOutput{StopDate: At(r.meta.Stop)}, nil
}

// GetExecutionHistory pages an execution's events.
func (s *Service) GetExecutionHistory(ctx context.Context, sc Scope, in *GetExecutionHistoryInput) (*GetExecutionHistoryOutput, error) {
	m, r, err := s.execution(ctx, in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	var events []*HistoryEvent
	if r != nil {
		r.mu.Lock()
		events = append(events, r.events...)
		r.mu.Unlock()
	} else {
		key := execKey(m.Region, m.MachineName, m.Name)
		recs, _, err := s.readHistory(ctx, key, false)
		if err != nil {
			return nil, err
		}
		for _, e := range recs {
			events = append(events, e.E)
		}
	}
	if in.ReverseOrder {
		for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
			events[i], events[j] = events[j], events[i]
		}
	}
	page, next, err := paginate(events, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	if in.IncludeExecutionData != nil && !*in.IncludeExecutionData {
		page = withoutData(page)
	}
	return &GetExecutionHistoryOutput{Events: page, NextToken: next}, nil
}

// withoutData copies events without their inputs and outputs.
func withoutData(events []*HistoryEvent) []*HistoryEvent {
	out := make([]*HistoryEvent, len(events))
	for i, e := range events {
		b, _ := json.Marshal(e)
		var m map[string]any
		json.Unmarshal(b, &m)
		for k, v := range m {
			if d, ok := v.(map[string]any); ok && strings.HasSuffix(k, "EventDetails") {
				for _, f := range []string{"input", "output", "parameters", "assignedVariables"} {
					delete(d, f)
				}
			}
		}
		b, _ = json.Marshal(m)
		c := &HistoryEvent{}
		json.Unmarshal(b, c)
		out[i] = c
	}
	return out
}

// DescribeStateMachineForExecution returns the definition an execution
// runs, as it was when the execution started.
func (s *Service) DescribeStateMachineForExecution(ctx context.Context, sc Scope, in *ExecutionInput) (*DescribeStateMachineForExecutionOutput, error) {
	m, _, err := s.execution(ctx, in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	out := &DescribeStateMachineForExecutionOutput{StateMachineArn: m.MachineArn, Name: m.MachineName, Definition: m.Spec.Definition,
		RoleArn: m.Spec.RoleArn, UpdateDate: At(m.SpecUpdated), LoggingConfiguration: loggingOf(m.Spec.Logging),
		TracingConfiguration: tracingOf(m.Spec.Tracing), RevisionID: m.Spec.RevisionID}
	if m.VersionArn != "" {
		out.StateMachineArn = m.VersionArn
	}
	if in.IncludedData == "METADATA_ONLY" {
		out.Definition = ""
	}
	return out, nil
}

// redriveWindow is how long a closed execution can be redriven.
const redriveWindow = 14 * 24 * time.Hour

// maxRedrives is how many times an execution can be redriven.
const maxRedrives = 1000

func (s *Service) redriveStatus(m *execMeta) (status, reason string) {
	switch {
	case m.Status == StatusRunning:
		return "NOT_REDRIVABLE", "Execution is RUNNING and cannot be redriven"
	case m.Status == StatusSucceeded:
		return "NOT_REDRIVABLE", "Execution is SUCCEEDED and cannot be redriven"
	case s.clock.Now().Sub(m.Stop) > redriveWindow:
		return "NOT_REDRIVABLE", "Execution can no longer be redriven: it closed more than 14 days ago"
	case m.RedriveCount >= maxRedrives:
		return "NOT_REDRIVABLE", "Execution has been redriven the maximum number of times"
	}
	return "REDRIVABLE", ""
}
