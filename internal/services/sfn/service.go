// Package sfn is nubo's Step Functions: state machines with their versions
// and aliases, activities, and executions. Standard executions are
// durable: every transition is recorded in a store.Table before anything
// that has an effect outside the execution begins (a task, a wait, a
// retry's delay), and after a restart each running execution is replayed
// from its records and goes on from its last recorded transition. Express
// executions run in memory and write their history to logs only. The
// language itself is package asl; Task states reach other services through
// the Integrations interface. The wire protocol (AWS JSON 1.0,
// AWSStepFunctions.*) is package sfnapi, which calls the methods here.
package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/cluster"
	"github.com/nubo-dev/nubo/internal/store"
)

// Integrations runs the resources of Task states that are not Step
// Functions' own (activities and states:startExecution are): Lambda,
// SQS, SNS, DynamoDB, EventBridge, API Gateway, aws-sdk:*.
type Integrations interface {
	// Invoke runs req.Resource with req.Input and returns the task's
	// result as Step Functions reports it (for lambda:invoke, the object
	// with Payload and StatusCode; for a function ARN, the function's
	// output). A failure is a *TaskError carrying the error name that
	// Retry and Catch match (the function's own error type,
	// Lambda.ServiceException, SQS.AmazonSQSException, ...). ctx ends at
	// the task's timeout. For .waitForTaskToken resources the result is
	// ignored and the task waits for SendTaskSuccess or SendTaskFailure.
	Invoke(ctx context.Context, req *TaskRequest) (json.RawMessage, error)
}

// TaskRequest is one attempt of a Task state.
type TaskRequest struct {
	Resource     string          // as written in the definition
	Region       string          // of the execution
	Account      string          // of the execution
	Input        json.RawMessage // the effective parameters (or arguments)
	RoleArn      string          // Credentials.RoleArn, else the state machine's role
	ExecutionArn string
	StateName    string
	TaskToken    string // for .waitForTaskToken, also in Input where the definition put it
}

// TaskAuthorizer is implemented by Integrations that decide which calls a
// task's role may make: Step Functions asks it before the call it makes
// itself, a nested execution's states:StartExecution. A refusal is a
// *TaskError.
type TaskAuthorizer interface {
	AllowTask(ctx context.Context, req *TaskRequest, action, resource string) error
}

// TaskError is a task's failure: an error name and a cause.
type TaskError struct {
	Name  string
	Cause string
	// Err is the service's error it stands for, if any.
	Err error
}

func (e *TaskError) Error() string { return e.Name + ": " + e.Cause }

func (e *TaskError) Unwrap() error { return e.Err }

// ExecutionLogs receives executions' history events for the log groups
// of their state machines' LoggingConfiguration, formatted as Step
// Functions writes them (JSON with id, type, details, event_timestamp,
// execution_arn, ...).
type ExecutionLogs interface {
	Log(ctx context.Context, logGroupArn, logStream string, message []byte)
}

// Options configures a Service.
type Options struct {
	Account      string
	Integrations Integrations
	Logs         ExecutionLogs
	// Observer, when set, is told every event executions record.
	Observer Observer
	// Mock replaces task results as Step Functions Local's mock
	// configuration does (executions started with "<stateMachineArn>#<TestCase>").
	Mock   *MockConfig
	Clock  Clock
	Logger *slog.Logger
	// Retention is how long closed executions are kept (90 days).
	Retention time.Duration
	// ActivityPoll is how long GetActivityTask waits for a task (60 s).
	ActivityPoll time.Duration
	// Jitter draws the random factor of JitterStrategy FULL, in [0, 1).
	Jitter func() float64
	// Cluster, when set, makes this Service one node of a cluster
	// (cluster.go): kv must then be a store.Watchable.
	Cluster *cluster.Cluster
}

// Service owns state machines, activities and executions.
type Service struct {
	opts  Options
	log   *slog.Logger
	clock Clock
	kv    store.KV
	table store.Table

	mu         sync.Mutex
	machines   map[string]*machine // by unqualified ARN
	activities map[string]*activity
	execs      map[string]*execEntry // by execution ARN
	runs       map[string]*run
	tokens     map[string]*taskWaiter
	queues     map[string]*activityQueue
	// waited is closed and replaced whenever a task begins to wait for
	// its token, for answers that arrive while a resumed run replays.
	waited chan struct{}
	// unfinished are the executions a previous process left running, for
	// Run to resume.
	unfinished []*execEntry
	resumed    chan struct{} // closed once Run resumed them

	// runCtx is the context executions run under; Run cancels it on
	// shutdown and waits for them.
	runCtx    context.Context
	cancelRun context.CancelFunc
	wg        sync.WaitGroup

	// cl is set in a cluster; held are the executions this node holds
	// there (acquired and not released), by key, and indexed is closed
	// and replaced whenever the index learns of another node's change.
	cl      *clusterOps
	held    map[string]bool
	indexed chan struct{}
	// unpublished are the summaries of executions that ended here but
	// could not be published, for hold to publish.
	unpublished map[string]*execEntry
}

// New loads state machines and activities from kv and executions'
// summaries from table. Run resumes the executions that were running.
func New(ctx context.Context, kv store.KV, table store.Table, opts Options) (*Service, error) {
	if opts.Clock == nil {
		opts.Clock = systemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Retention == 0 {
		opts.Retention = 90 * 24 * time.Hour
	}
	if opts.ActivityPoll == 0 {
		opts.ActivityPoll = 60 * time.Second
	}
	if opts.Jitter == nil {
		opts.Jitter = rand.Float64
	}
	if opts.Account == "" {
		opts.Account = "000000000000"
	}
	s := &Service{opts: opts, log: opts.Logger, clock: opts.Clock, kv: kv, table: table,
		machines: map[string]*machine{}, activities: map[string]*activity{}, execs: map[string]*execEntry{},
		runs: map[string]*run{}, tokens: map[string]*taskWaiter{}, queues: map[string]*activityQueue{}, resumed: make(chan struct{}),
		waited: make(chan struct{}), held: map[string]bool{}, indexed: make(chan struct{}), unpublished: map[string]*execEntry{}}
	s.runCtx, s.cancelRun = context.WithCancel(context.Background())
	if err := s.loadMachines(ctx); err != nil {
		return nil, err
	}
	if err := s.loadActivities(ctx); err != nil {
		return nil, err
	}
	if err := s.loadExecutions(ctx); err != nil {
		return nil, err
	}
	if opts.Cluster != nil {
		s.clusterize(opts.Cluster, kv.(store.Watchable))
	}
	return s, nil
}

// Run resumes the executions a previous process left running, purges
// closed executions past their retention, and on ctx's end stops every
// execution where it stands (to be resumed by the next start) and waits
// for them.
func (s *Service) Run(ctx context.Context) error {
	if s.cl != nil {
		// In a cluster the running executions are resumed by the nodes
		// that come to hold them (hold), not by whoever restarts.
		hctx, stop := context.WithCancel(ctx)
		defer stop()
		if err := s.follow(hctx); err != nil {
			return err
		}
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.hold(hctx) }()
	}
	if err := s.resume(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("resume executions", "err", err)
	}
	close(s.resumed)
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			s.cancelRun()
			s.wg.Wait()
			return nil
		case <-tick.C:
			if err := s.purgeExpired(ctx); err != nil {
				s.log.Error("purge executions", "err", err)
			}
		}
	}
}

// keys of the KV bucket.
func machineKey(region, name string) string { return store.Key("sm", region, name) }
func versionKey(region, name string, v int) string {
	return store.Key("ver", region, name, fmt.Sprint(v))
}
func aliasKey(region, name, alias string) string { return store.Key("alias", region, name, alias) }
func activityKey(region, name string) string     { return store.Key("act", region, name) }

func getJSON(ctx context.Context, kv store.KV, key string, v any) (uint64, error) {
	e, err := kv.Get(ctx, key)
	if err != nil {
		return 0, err
	}
	if err := json.Unmarshal(e.Value, v); err != nil {
		return 0, fmt.Errorf("decode %s: %w", key, err)
	}
	return e.Revision, nil
}

func putJSON(ctx context.Context, kv store.KV, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = kv.Put(ctx, key, b)
	return err
}

func listKeys(ctx context.Context, kv store.KV, prefix string) ([]string, error) {
	keys, err := kv.Keys(ctx, prefix)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return keys, err
}
