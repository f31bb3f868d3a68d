package esm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/cluster"
	"github.com/nubo-dev/nubo/internal/services/cloudwatch"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/sqs"
	"github.com/nubo-dev/nubo/internal/store"
)

// Queues is what mappings need of SQS.
type Queues interface {
	ParseARN(arn string) (sqs.Ref, bool)
	Exists(ref sqs.Ref) error
	QueueAttributes(ref sqs.Ref, names []string) (map[string]string, error)
	Receive(ctx context.Context, ref sqs.Ref, in sqs.ReceiveInput) ([]sqs.Message, error)
	Delete(ctx context.Context, ref sqs.Ref, handles []string) ([]error, error)
}

// Invoker runs functions synchronously.
type Invoker interface {
	Resolve(ctx context.Context, req *lambda.Invocation) error
	Invoke(ctx context.Context, req *lambda.Invocation) (*lambda.Result, error)
}

// Options configures a Service.
type Options struct {
	// Streams are the DynamoDB streams mappings can read (none when nil).
	Streams Streams
	// Destinations deliver stream records a mapping gives up on to SQS
	// queues and SNS topics (DestinationConfig.OnFailure).
	Destinations Destinations
	// Metrics records IteratorAge.
	Metrics cloudwatch.Recorder
	// Cluster, when set, makes the service one node of a cluster (see
	// cluster.go); Follow must then run too.
	Cluster *cluster.Cluster
	Logger  *slog.Logger
}

// Service owns the mappings and their pollers.
type Service struct {
	kv      store.KV
	queues  Queues
	invoker Invoker
	log     *slog.Logger
	streams Streams
	dests   Destinations
	metrics cloudwatch.Recorder
	cl      *cluster.Cluster
	group   *cluster.Group

	mu       sync.Mutex
	mappings map[string]*mapping
	// revs are the revisions of the mappings held, with the bucket's
	// watch, and held the stream mappings the group gives this node (both
	// for a cluster only).
	revs    store.Revisions
	held    map[string]bool
	changed chan string // uuids whose pollers Run must reconcile

	// runMu serialises starting and stopping pollers (Run, and the
	// group's Release); running are the pollers started.
	runMu   sync.Mutex
	running map[string]*run
	// stopping are the pollers the group released, ending.
	stopping sync.WaitGroup
}

// New loads the stored mappings; Run starts their pollers.
func New(ctx context.Context, kv store.KV, queues Queues, inv Invoker, opts Options) (*Service, error) {
	s := &Service{kv: kv, queues: queues, invoker: inv, log: opts.Logger, streams: opts.Streams, dests: opts.Destinations, metrics: opts.Metrics, cl: opts.Cluster,
		mappings: map[string]*mapping{}, held: map[string]bool{}, changed: make(chan string, 1024), running: map[string]*run{}}
	if s.log == nil {
		s.log = slog.Default()
	}
	keys, err := kv.Keys(ctx, store.Key("esm"))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("list event source mappings: %w", err)
	}
	for _, k := range keys {
		e, err := kv.Get(ctx, k)
		if err != nil {
			return nil, fmt.Errorf("load event source mapping %s: %w", k, err)
		}
		var m mapping
		if err := json.Unmarshal(e.Value, &m); err != nil {
			return nil, fmt.Errorf("load event source mapping %s: %w", k, err)
		}
		m.rev = e.Revision
		s.mappings[m.Config.UUID] = &m
		s.revs.Wrote(k, e.Revision)
	}
	if s.cl != nil {
		s.group = s.cl.Group(groupName, holder{s})
		s.revs.Expect()
	}
	return s, nil
}

func key(id string) string { return store.Key("esm", id) }

// save stores m; s.mu is held, so that the watch cannot deliver this
// write between the store taking it and s.revs recording it.
func (s *Service) save(ctx context.Context, m *mapping) error {
	b, _ := json.Marshal(m)
	rev, err := s.kv.Put(ctx, key(m.Config.UUID), b)
	if err != nil {
		return fmt.Errorf("save event source mapping: %w", err)
	}
	s.revs.Wrote(key(m.Config.UUID), rev)
	m.rev = rev
	return nil
}

// notify asks Run to (re)start or stop a mapping's poller.
func (s *Service) notify(id string) {
	select {
	case s.changed <- id:
	default:
		go func() { s.changed <- id }()
	}
}

// Create stores a new mapping (State Creating); its poller starts soon
// after.
func (s *Service) Create(ctx context.Context, scope lambda.Scope, in *Input) (Configuration, error) {
	var v lambda.Validator
	if in.FunctionName == nil {
		v.Required("functionName", "")
	}
	if err := v.Err(); err != nil {
		return Configuration{}, err
	}
	if in.EventSourceArn == nil || *in.EventSourceArn == "" {
		return Configuration{}, lambda.Errorf(lambda.ErrInvalidParameterValue, "Unrecognized event source, must be kinesis, dynamodb stream, sqs, msk, mq, documentdb or kafka.")
	}
	if err := s.checkSource(scope, *in.EventSourceArn); err != nil {
		return Configuration{}, err
	}
	s.sync(ctx) // a mapping of the same queue made through another node
	id := uuid.NewString()
	now := time.Now()
	m := &mapping{Scope: scope, Enabled: true, Created: now, Config: Configuration{
		UUID: id, BatchSize: 10, EventSourceArn: *in.EventSourceArn, State: StateCreating,
		StateTransitionReason: "USER_INITIATED", LastProcessingResult: "No records processed", LastModified: epoch(now),
		FunctionResponseTypes: []string{},
		EventSourceMappingArn: "arn:aws:lambda:" + scope.Region + ":" + scope.Account + ":event-source-mapping:" + id,
	}}
	if m.stream() {
		m.Config.BatchSize = 100
	}
	if err := s.check(ctx, scope, in, m, true); err != nil {
		return Configuration{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.mappings {
		if !m.stream() && o.Config.EventSourceArn == m.Config.EventSourceArn && o.Config.FunctionArn == m.Config.FunctionArn {
			return Configuration{}, lambda.Errorf(lambda.ErrResourceConflict,
				"An event source mapping with SQS arn (\" %s \") and function (\" %s \") already exists. Please update or delete the existing mapping with UUID %s",
				m.Config.EventSourceArn, m.Function.Name, o.Config.UUID)
		}
	}
	if err := s.save(ctx, m); err != nil {
		return Configuration{}, err
	}
	s.mappings[id] = m
	s.notify(id)
	return m.Config, nil
}

// checkSource checks that a mapping's source exists in scope's region.
func (s *Service) checkSource(scope lambda.Scope, arn string) error {
	unknown := lambda.Errorf(lambda.ErrInvalidParameterValue, "Unrecognized event source, must be kinesis, dynamodb stream, sqs, msk, mq, documentdb or kafka.")
	if isStreamARN(arn) {
		if s.streams == nil || !strings.HasPrefix(arn, "arn:aws:dynamodb:"+scope.Region+":") {
			return unknown
		}
		if _, err := s.streams.Shards(context.Background(), arn); err != nil {
			return lambda.Errorf(lambda.ErrInvalidParameterValue, "Stream not found: %s", arn)
		}
		return nil
	}
	ref, ok := s.queues.ParseARN(arn)
	if !ok || ref.Region != scope.Region {
		if strings.HasPrefix(arn, "arn:aws:sqs:") {
			return queueMissing()
		}
		return unknown
	}
	if err := s.queues.Exists(ref); err != nil {
		return queueMissing()
	}
	return nil
}

func queueMissing() error {
	return lambda.Errorf(lambda.ErrInvalidParameterValue, "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist or you do not have access to it.")
}

func notFound(id string) error {
	return lambda.Errorf(lambda.ErrResourceNotFound, "The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: %s)", id)
}

// Get returns a mapping.
func (s *Service) Get(ctx context.Context, scope lambda.Scope, id string) (Configuration, error) {
	s.sync(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.mappings[id]
	if m == nil || m.Scope != scope {
		return Configuration{}, notFound(id)
	}
	return m.Config, nil
}

// Update changes a mapping (State Updating until its poller restarts).
func (s *Service) Update(ctx context.Context, scope lambda.Scope, id string, in *Input) (Configuration, error) {
	if in.EventSourceArn != nil {
		return Configuration{}, lambda.Errorf(lambda.ErrInvalidParameterValue, "EventSourceArn cannot be updated.")
	}
	s.sync(ctx)
	s.mu.Lock()
	cur := s.mappings[id]
	if cur == nil || cur.Scope != scope {
		s.mu.Unlock()
		return Configuration{}, notFound(id)
	}
	if cur.Config.State == StateDeleting {
		s.mu.Unlock()
		return Configuration{}, lambda.Errorf(lambda.ErrResourceConflict, "The event source mapping is being deleted.")
	}
	next := *cur
	s.mu.Unlock()
	if err := s.check(ctx, scope, in, &next, false); err != nil {
		return Configuration{}, err
	}
	next.Config.State, next.Config.LastModified = StateUpdating, epoch(time.Now())
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.save(ctx, &next); err != nil {
		return Configuration{}, err
	}
	s.mappings[id] = &next
	s.notify(id)
	return next.Config, nil
}

// Delete marks a mapping Deleting; it is removed once its poller stopped.
func (s *Service) Delete(ctx context.Context, scope lambda.Scope, id string) (Configuration, error) {
	s.sync(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.mappings[id]
	if cur == nil || cur.Scope != scope {
		return Configuration{}, notFound(id)
	}
	next := *cur
	next.Config.State, next.Config.LastModified = StateDeleting, epoch(time.Now())
	if err := s.save(ctx, &next); err != nil {
		return Configuration{}, err
	}
	s.mappings[id] = &next
	s.notify(id)
	return next.Config, nil
}

// List returns the mappings of a queue and/or function, in creation order,
// from after marker, at most maxItems (and 100) of them.
func (s *Service) List(ctx context.Context, scope lambda.Scope, sourceARN string, function *lambda.FunctionRef, marker string, maxItems int) ([]Configuration, string) {
	s.sync(ctx)
	s.mu.Lock()
	var all []*mapping
	for _, m := range s.mappings {
		if m.Scope != scope || sourceARN != "" && m.Config.EventSourceArn != sourceARN {
			continue
		}
		if function != nil && (m.Function.Name != function.Name || function.Qualifier != "" && m.Function.Qualifier != function.Qualifier) {
			continue
		}
		all = append(all, m)
	}
	s.mu.Unlock()
	sort.Slice(all, func(i, j int) bool {
		if !all[i].Created.Equal(all[j].Created) {
			return all[i].Created.Before(all[j].Created)
		}
		return all[i].Config.UUID < all[j].Config.UUID
	})
	start := 0
	if marker != "" {
		for i, m := range all {
			if m.Config.UUID == marker {
				start = i + 1
			}
		}
	}
	if maxItems <= 0 || maxItems > 100 {
		maxItems = 100
	}
	out := []Configuration{}
	next := ""
	for i := start; i < len(all); i++ {
		if len(out) == maxItems {
			next = out[len(out)-1].UUID
			break
		}
		out = append(out, all[i].Config)
	}
	return out, next
}
