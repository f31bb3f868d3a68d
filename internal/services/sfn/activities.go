package sfn

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// activity is an activity, act.<region>.<name>.
type activity struct {
	Arn     string            `json:"arn"`
	Name    string            `json:"name"`
	Region  string            `json:"region"`
	Created time.Time         `json:"created"`
	Tags    map[string]string `json:"tags,omitempty"`
}

// activityQueue holds an activity's tasks waiting for a worker. Tasks live
// in memory: after a restart, replaying an execution schedules its task
// again. In a cluster the queue is the node's that runs the executions;
// the other nodes' polls take from it too (activity_cluster.go).
type activityQueue struct {
	tasks  []*activityTask
	signal chan struct{} // closed when a task arrives
}

// activityTask is one task offered to workers.
type activityTask struct {
	token string
	input string
	// take hands the worker's name to the execution, which records
	// ActivityStarted and answers on started.
	take    chan string
	started chan error
	// gone is closed when the execution stops waiting for a worker.
	gone chan struct{}
}

func (s *Service) loadActivities(ctx context.Context) error {
	keys, err := listKeys(ctx, s.kv, store.Key("act"))
	if err != nil {
		return fmt.Errorf("list activities: %w", err)
	}
	for _, k := range keys {
		a := &activity{}
		if _, err := getJSON(ctx, s.kv, k, a); err != nil {
			return fmt.Errorf("load activity %s: %w", k, err)
		}
		s.activities[a.Arn] = a
	}
	return nil
}

// CreateActivity creates an activity; creating an existing one returns it.
func (s *Service) CreateActivity(ctx context.Context, sc Scope, in *CreateActivityInput) (*CreateActivityOutput, error) {
	if !validName(in.Name) {
		return nil, invalidName(in.Name)
	}
	if len(in.Tags) > maxTags {
		return nil, errorf(ErrTooManyTags, "Too many tags: a resource may have at most %d tags", maxTags)
	}
	arn := activityArn(sc.Region, s.account(sc), in.Name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.activities[arn]; a != nil {
		return &CreateActivityOutput{ActivityArn: arn, CreationDate: At(a.Created)}, nil
	}
	a := &activity{Arn: arn, Name: in.Name, Region: sc.Region, Created: s.clock.Now(), Tags: map[string]string{}}
	for _, t := range in.Tags {
		a.Tags[t.Key] = t.Value
	}
	if err := putJSON(ctx, s.kv, activityKey(sc.Region, in.Name), a); err != nil {
		return nil, fmt.Errorf("store activity: %w", err)
	}
	s.activities[arn] = a
	return &CreateActivityOutput{ActivityArn: arn, CreationDate: At(a.Created)}, nil
}

// DescribeActivity describes an activity.
func (s *Service) DescribeActivity(ctx context.Context, sc Scope, in *ActivityInput) (*DescribeActivityOutput, error) {
	if _, _, err := parseActivityArn(in.ActivityArn); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.activities[in.ActivityArn]
	if a == nil {
		return nil, errorf(ErrActivityDoesNotExist, "Activity Does Not Exist: '%s'", in.ActivityArn)
	}
	return &DescribeActivityOutput{ActivityArn: a.Arn, Name: a.Name, CreationDate: At(a.Created),
		EncryptionConfiguration: &EncryptionConfiguration{Type: "AWS_OWNED_KEY"}}, nil
}

// DeleteActivity deletes an activity.
func (s *Service) DeleteActivity(ctx context.Context, sc Scope, in *ActivityInput) (*struct{}, error) {
	region, name, err := parseActivityArn(in.ActivityArn)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.kv.Delete(ctx, activityKey(region, name)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	delete(s.activities, in.ActivityArn)
	return &struct{}{}, nil
}

// ListActivities lists the region's activities by name.
func (s *Service) ListActivities(ctx context.Context, sc Scope, in *ListInput) (*ListActivitiesOutput, error) {
	s.mu.Lock()
	var items []ActivityListItem
	for _, a := range s.activities {
		if a.Region == sc.Region {
			items = append(items, ActivityListItem{ActivityArn: a.Arn, Name: a.Name, CreationDate: At(a.Created)})
		}
	}
	s.mu.Unlock()
	sort.Slice(items, func(i, j int) bool { return items[i].Name < items[j].Name })
	page, next, err := paginate(items, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &ListActivitiesOutput{Activities: page, NextToken: next}, nil
}

// GetActivityTask waits up to a minute for a task of the activity. It
// answers with an empty output when none came.
func (s *Service) GetActivityTask(ctx context.Context, sc Scope, in *GetActivityTaskInput) (*GetActivityTaskOutput, error) {
	if _, _, err := parseActivityArn(in.ActivityArn); err != nil {
		return nil, err
	}
	if s.cl != nil {
		// Knows the activities created through other nodes before.
		if err := s.syncIndex(ctx); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	exists := s.activities[in.ActivityArn] != nil
	s.mu.Unlock()
	if !exists {
		return nil, errorf(ErrActivityDoesNotExist, "Activity Does Not Exist: '%s'", in.ActivityArn)
	}
	deadline := s.clock.After(s.opts.ActivityPoll)
	for {
		t, signal := s.takeActivityTask(in.ActivityArn)
		if t != nil {
			if out := handOver(t, in.WorkerName); out != nil {
				return out, nil
			}
			continue // the execution stopped waiting meanwhile
		}
		// In a cluster the task may wait on another node (activity_cluster.go).
		if out := s.takeElsewhere(ctx, in); out != nil {
			return out, nil
		}
		select {
		case <-signal:
		case <-s.sweepTimer():
		case <-deadline:
			return &GetActivityTaskOutput{}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// takeActivityTask pops the oldest task, or returns the channel that
// signals the next one.
func (s *Service) takeActivityTask(arn string) (*activityTask, chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queueLocked(arn)
	if len(q.tasks) == 0 {
		return nil, q.signal
	}
	t := q.tasks[0]
	q.tasks = q.tasks[1:]
	return t, nil
}

func (s *Service) queueLocked(arn string) *activityQueue {
	q := s.queues[arn]
	if q == nil {
		q = &activityQueue{signal: make(chan struct{})}
		s.queues[arn] = q
	}
	return q
}

// offerActivityTask queues a task for workers.
func (s *Service) offerActivityTask(arn string, t *activityTask) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queueLocked(arn)
	q.tasks = append(q.tasks, t)
	close(q.signal)
	q.signal = make(chan struct{})
}

// withdrawActivityTask removes a task no worker took (its execution
// stopped or it timed out).
func (s *Service) withdrawActivityTask(arn string, t *activityTask) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queueLocked(arn)
	for i, x := range q.tasks {
		if x == t {
			q.tasks = append(q.tasks[:i], q.tasks[i+1:]...)
			return
		}
	}
}

// handOver gives a task to a worker once its execution recorded it as
// started; nil when the execution no longer waits for it.
func handOver(t *activityTask, worker string) *GetActivityTaskOutput {
	select {
	case t.take <- worker:
	case <-t.gone:
		return nil
	}
	select {
	case err := <-t.started:
		if err != nil {
			return nil
		}
	case <-t.gone:
		return nil
	}
	input := t.input
	return &GetActivityTaskOutput{TaskToken: t.token, Input: &input}
}
