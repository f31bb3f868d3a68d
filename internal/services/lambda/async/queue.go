// Package async is Lambda's asynchronous invocation: events are stored
// durably in a work queue per function before the caller hears 202, then
// consumed at the function's concurrency, retried as Lambda retries them
// (function errors after 1 and 2 minutes; throttles and system errors with
// exponential backoff until the event is too old), and finally sent to the
// function's destinations and dead-letter queue.
package async

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/targets"
)

// MaxPayload is the largest asynchronous event (1 MB).
const MaxPayload = 1024 * 1024

// Control is what the queue needs of the control plane.
type Control interface {
	Resolve(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef) (*lambda.Target, error)
	EventInvokeConfig(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef) (*lambda.FunctionEventInvokeConfig, error)
}

// Invoker runs an invocation synchronously.
type Invoker interface {
	Invoke(ctx context.Context, req *lambda.Invocation) (*lambda.Result, error)
}

// Targets delivers records to destination ARNs: queues, topics, functions
// (package targets).
type Targets interface {
	Deliver(ctx context.Context, arn string, m targets.Message) error
}

// Metrics counts what happens to events, as Lambda's Async* metrics do.
type Metrics interface {
	Add(metric string, scope lambda.Scope, function, qualifier string, value float64)
}

// Metric names the queue reports.
const (
	MetricEventsReceived              = "AsyncEventsReceived"
	MetricEventAge                    = "AsyncEventAge"
	MetricEventsDropped               = "AsyncEventsDropped"
	MetricDeadLetterErrors            = "DeadLetterErrors"
	MetricDestinationDeliveryFailures = "DestinationDeliveryFailures"
)

// Options configures a Queue.
type Options struct {
	Work    store.WorkQueue
	Control Control
	Invoker Invoker
	Targets Targets
	Metrics Metrics
	// RetryDelays are the waits before the retries of a function error
	// (Lambda: 1 and 2 minutes).
	RetryDelays []time.Duration
	// MaxBackoff caps the backoff of throttles and system errors (5 min).
	MaxBackoff time.Duration
	// MaxConcurrency is the account's limit, which bounds a function
	// without a reservation.
	MaxConcurrency int
	// Lease is how long a taken event stays with its consumer unrenewed;
	// after a crash, events in flight come back after it.
	Lease time.Duration
	// Share, in a cluster, is this node's part of a function's limit
	// (cluster.Share): every node consumes every function's events, each
	// taking at most its part, so that the limit holds cluster-wide and
	// the events of a node that died are taken by the others.
	Share func(limit int, key string) int
	// Rescan, when set, is how often the queue looks for functions with
	// events that it does not consume yet (those enqueued on other nodes).
	Rescan time.Duration
	Logger *slog.Logger
}

// Queue accepts and runs asynchronous invocations.
type Queue struct {
	opts   Options
	log    *slog.Logger
	leases *store.Leases

	mu        sync.Mutex
	ctx       context.Context // set by Run; consumers live under it
	consumers map[string]*consumer
	pending   []pendingConsumer // to consume once Run starts
	wg        sync.WaitGroup
}

type pendingConsumer struct {
	subject string
	limit   int
}

type consumer struct {
	limit, take int
	cancel      context.CancelFunc
}

// New returns a Queue; Run consumes.
func New(opts Options) *Queue {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if len(opts.RetryDelays) == 0 {
		opts.RetryDelays = []time.Duration{time.Minute, 2 * time.Minute}
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 5 * time.Minute
	}
	if opts.MaxConcurrency == 0 {
		opts.MaxConcurrency = 1000
	}
	if opts.Lease == 0 {
		opts.Lease = 30 * time.Second
	}
	return &Queue{opts: opts, log: opts.Logger, leases: store.NewLeases(), consumers: map[string]*consumer{}}
}

// event is the stored form of an asynchronous invocation.
type event struct {
	RequestID string `json:"id"`
	Account   string `json:"acct"`
	Region    string `json:"region"`
	Function  string `json:"fn"`
	Qualifier string `json:"q,omitempty"`
	Payload   []byte `json:"p"`
	Enqueued  int64  `json:"t"` // unix ms
	// Attempts counts the invocations that ran (approximateInvokeCount);
	// Backoffs counts retries after throttles and system errors.
	Attempts int `json:"a,omitempty"`
	Backoffs int `json:"b,omitempty"`
}

func (ev *event) scope() lambda.Scope { return lambda.Scope{Account: ev.Account, Region: ev.Region} }
func (ev *event) ref() lambda.FunctionRef {
	return lambda.FunctionRef{Name: ev.Function, Qualifier: ev.Qualifier}
}
func (ev *event) age(now time.Time) time.Duration {
	return now.Sub(time.UnixMilli(ev.Enqueued))
}

func subjectOf(scope lambda.Scope, function string) string {
	return store.Key("async", scope.Region, function)
}

// Enqueue checks that the function can be invoked and stores the event; it
// returns once the event is durable.
func (q *Queue) Enqueue(ctx context.Context, req *lambda.Invocation) (string, error) {
	if len(req.Payload) > MaxPayload {
		return "", lambda.Errorf(lambda.ErrRequestTooLarge, "Request must be smaller than %d bytes for the InvokeFunction operation", MaxPayload)
	}
	target, err := q.opts.Control.Resolve(ctx, req.Scope, req.Function)
	if err != nil {
		return "", err
	}
	id := req.RequestID
	if id == "" {
		id = uuid.NewString()
	}
	ev := event{RequestID: id, Account: req.Scope.Account, Region: req.Scope.Region, Function: req.Function.Name,
		Qualifier: req.Function.Qualifier, Payload: req.Payload, Enqueued: time.Now().UnixMilli()}
	data, err := json.Marshal(&ev)
	if err != nil {
		return "", err
	}
	subject := subjectOf(req.Scope, req.Function.Name)
	if err := q.opts.Work.Publish(ctx, subject, data, time.Time{}); err != nil {
		return "", fmt.Errorf("enqueue event: %w", err)
	}
	q.consume(subject, q.limitOf(target))
	q.count(MetricEventsReceived, &ev, 1)
	return id, nil
}

// InvokeAsync enqueues payload for a function, as services that invoke
// asynchronously (SNS, destinations) do.
func (q *Queue) InvokeAsync(ctx context.Context, scope lambda.Scope, function lambda.FunctionRef, payload []byte) error {
	_, err := q.Enqueue(ctx, &lambda.Invocation{Scope: scope, Function: function, Payload: payload})
	return err
}

// limitOf is how many events of a function run at once: its reservation,
// or the account's limit.
func (q *Queue) limitOf(t *lambda.Target) int {
	if t.Reserved != nil {
		return max(*t.Reserved, 1) // one, to send events of a zero reservation to their failure targets
	}
	return q.opts.MaxConcurrency
}

// Run consumes every function's events until ctx ends, starting with the
// functions that had events when nubo last stopped.
func (q *Queue) Run(ctx context.Context) error {
	q.mu.Lock()
	q.ctx = ctx
	pending := q.pending
	q.pending = nil
	q.mu.Unlock()
	for _, p := range pending {
		q.consume(p.subject, p.limit)
	}
	if err := q.rescan(ctx); err != nil {
		return fmt.Errorf("resume async consumers: %w", err)
	}
	done := make(chan struct{})
	go func() {
		q.leases.Renew(ctx, q.opts.Lease/3)
		close(done)
	}()
	if q.opts.Rescan > 0 {
		t := time.NewTicker(q.opts.Rescan)
	loop:
		for {
			select {
			case <-ctx.Done():
				break loop
			case <-t.C:
				if err := q.rescan(ctx); err != nil && ctx.Err() == nil {
					q.log.Warn("async: look for new functions' events", "err", err)
				}
			}
		}
		t.Stop()
	}
	<-ctx.Done()
	<-done
	q.wg.Wait()
	return nil
}

// rescan consumes the functions with events (or consumers) that are not
// consumed here yet, each at its limit, and takes a new part of the
// others' limits when the cluster's nodes changed.
func (q *Queue) rescan(ctx context.Context) error {
	subjects, err := q.opts.Work.Subjects(ctx)
	if err != nil {
		return err
	}
	for _, subject := range subjects {
		q.mu.Lock()
		c, ok := q.consumers[subject]
		q.mu.Unlock()
		if ok {
			q.consume(subject, c.limit)
		} else {
			q.consume(subject, q.limitFor(ctx, subject))
		}
	}
	return nil
}

// limitFor is the limit of the function whose events are on subject.
func (q *Queue) limitFor(ctx context.Context, subject string) int {
	parts := store.SplitKey(subject)
	if len(parts) != 3 {
		return q.opts.MaxConcurrency
	}
	t, err := q.opts.Control.Resolve(ctx, lambda.Scope{Region: parts[1]}, lambda.FunctionRef{Name: parts[2]})
	if err != nil {
		return q.opts.MaxConcurrency
	}
	return q.limitOf(t)
}

// consume makes sure a consumer runs for subject with the given limit,
// taking this node's part of it.
func (q *Queue) consume(subject string, limit int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.ctx == nil {
		q.pending = append(q.pending, pendingConsumer{subject, limit})
		return
	}
	take := limit
	if q.opts.Share != nil {
		take = q.opts.Share(limit, subject)
	}
	if c, ok := q.consumers[subject]; ok {
		if c.limit == limit && c.take == take {
			return
		}
		if c.cancel != nil {
			c.cancel() // the reservation or the cluster changed: consume again with the new limit
		}
	}
	if take == 0 {
		// Other nodes hold the whole limit (a small reservation).
		q.consumers[subject] = &consumer{limit: limit}
		return
	}
	ctx, cancel := context.WithCancel(q.ctx)
	q.consumers[subject] = &consumer{limit: limit, take: take, cancel: cancel}
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		handle := func(j store.Job) {
			q.wg.Add(1)
			go func() {
				defer q.wg.Done()
				q.handle(q.ctx, j)
			}()
		}
		var err error
		if sw, ok := q.opts.Work.(sharedWork); ok && take != limit {
			err = sw.ConsumeShare(ctx, subject, limit, take, handle)
		} else {
			err = q.opts.Work.Consume(ctx, subject, take, handle)
		}
		if err != nil && ctx.Err() == nil {
			q.log.Error("async consumer stopped", "subject", subject, "err", err)
		}
	}()
}

// sharedWork is a work queue whose consumers on several nodes share one
// limit (natsstore's): at most limit jobs leased across them, at most take
// by this one.
type sharedWork interface {
	ConsumeShare(ctx context.Context, subject string, limit, take int, handle func(store.Job)) error
}

// Backlog counts a function's events not yet finished (retries that are
// waiting for their time are not counted until due).
func (q *Queue) Backlog(ctx context.Context, scope lambda.Scope, function string) (int, error) {
	return q.opts.Work.Pending(ctx, subjectOf(scope, function))
}

func (q *Queue) count(metric string, ev *event, v float64) {
	if q.opts.Metrics != nil {
		q.opts.Metrics.Add(metric, ev.scope(), ev.Function, ev.Qualifier, v)
	}
}
