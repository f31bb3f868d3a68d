// Package scheduler is nubo's EventBridge Scheduler: schedule groups and
// schedules — at(), rate() and cron() expressions in a time zone, start and
// end dates, flexible time windows, enabling and disabling, deletion after
// the last invocation — that invoke templated targets (Lambda functions,
// SQS queues, SNS topics, event buses, Step Functions state machines,
// through package targets) and universal targets (nubo's own JSON APIs),
// with retries and dead-letter queues. It has no HTTP; schedulerapi
// serves it.
//
// Time is the timer.Queue's: each enabled schedule has one job due at its
// next invocation, and its record says which invocation is current and is
// claimed by compare-and-set before the invocation is queued, so that an
// invocation runs once even when its job comes twice (to two nodes of a
// cluster at once), and a schedule whose invocations fell due while nubo
// was down invokes once when nubo is back (if the invocation is younger
// than its retry policy's maximum age), then goes on from the next one. In
// a cluster each node's maps follow the others' writes (Follow).
package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/targets"
	"github.com/nubo-dev/nubo/internal/timer"
)

// The subjects of the service's jobs.
const (
	subjectFire  = "scheduler.fire"
	subjectRetry = "scheduler.retry"
)

// defaultGroup is every region's schedule group that needs no creating.
const defaultGroup = "default"

// Deliverer delivers a message to the resource an ARN names (package
// targets).
type Deliverer interface {
	Deliver(ctx context.Context, arn string, m targets.Message) error
}

// EventBuses puts an event built from a schedule's EventBridgeParameters
// and Input on an event bus, as src (the schedule's role) when it is
// allowed to.
type EventBuses interface {
	PutScheduledEvent(ctx context.Context, busARN string, src targets.Source, source, detailType, detail string, resources []string) error
}

// APIs calls an operation of one of nubo's AWS APIs for a universal
// target, with input as its JSON request; service and action are as the
// target's ARN names them ("sqs", "SendMessage").
type APIs interface {
	Call(ctx context.Context, region, service, action, roleArn string, input []byte) error
	// Supports reports whether Call can reach a service.
	Supports(service string) bool
}

// Options configures a Service.
type Options struct {
	Account string
	// Clustered marks a node of a cluster, whose Follow will run: until
	// it does, a call waits for it (Sync).
	Clustered bool
	Jobs      timer.Queue
	Targets   Deliverer
	Buses     EventBuses
	APIs      APIs
	// Clock tells the time (the system's by default).
	Clock timer.Clock
	// RetryDelay is the wait before retry n (1, 2, ...); exponential from
	// one second with jitter, capped at ten minutes, by default.
	RetryDelay func(n int) time.Duration
	Logger     *slog.Logger
}

// Service is EventBridge Scheduler.
type Service struct {
	kv   store.KV
	opts Options
	log  *slog.Logger
	// revs are the revisions the maps hold, for Follow.
	revs store.Revisions

	mu        sync.Mutex
	groups    map[string]*Group  // by region/name
	schedules map[string]*record // by region/group/name
}

// record is a schedule as stored: its settings, and which invocation its
// job is due for.
type record struct {
	Schedule
	Region string `json:"region"`
	// Gen changes whenever the schedule starts over; Due is when the
	// current job runs, Occurrence the schedule's time it is for (Due is
	// later within a flexible window).
	Gen        int64     `json:"gen"`
	Due        time.Time `json:"due,omitzero"`
	Occurrence time.Time `json:"occurrence,omitzero"`
	// Pending is the job this record was advanced past while its
	// invocation is being queued (see fire).
	Pending *claim `json:"pending,omitempty"`
}

// New loads groups and schedules from kv.
func New(ctx context.Context, kv store.KV, opts Options) (*Service, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Clock == nil {
		opts.Clock = timer.System{}
	}
	if opts.RetryDelay == nil {
		opts.RetryDelay = func(n int) time.Duration {
			d := min(time.Second<<min(n-1, 20), 10*time.Minute)
			return d/2 + rand.N(d/2+1)
		}
	}
	s := &Service{kv: kv, opts: opts, log: opts.Logger, groups: map[string]*Group{}, schedules: map[string]*record{}}
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	if opts.Clustered {
		s.revs.Expect()
	}
	return s, nil
}

// Run consumes the service's jobs until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { s.consume(ctx, subjectFire, 64, s.fire) })
	wg.Go(func() { s.consume(ctx, subjectRetry, 64, s.retry) })
	wg.Wait()
	return nil
}

func (s *Service) consume(ctx context.Context, subject string, limit int, h timer.Handler) {
	if err := s.opts.Jobs.Consume(ctx, subject, limit, h); err != nil && ctx.Err() == nil {
		s.log.Error("scheduler consumer stopped", "subject", subject, "err", err)
	}
}

func (s *Service) now() time.Time { return s.opts.Clock.Now() }

func groupKey(region, name string) string { return store.Key("group", region, name) }
func scheduleKey(region, group, name string) string {
	return store.Key("schedule", region, group, name)
}
func mapKey(parts ...string) string {
	k := parts[0]
	for _, p := range parts[1:] {
		k += "/" + p
	}
	return k
}

// Account is the account whose schedules the service keeps.
func (s *Service) Account() string { return s.opts.Account }

// GroupARN is a schedule group's ARN.
func (s *Service) GroupARN(region, name string) string {
	return arn.New("scheduler", region, s.opts.Account, "schedule-group/"+name).String()
}

// ScheduleARN is a schedule's ARN.
func (s *Service) ScheduleARN(region, group, name string) string {
	return arn.New("scheduler", region, s.opts.Account, "schedule/"+group+"/"+name).String()
}

func (s *Service) put(ctx context.Context, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	rev, err := s.kv.Put(ctx, key, data)
	if err != nil {
		return fmt.Errorf("save %s: %w", key, err)
	}
	s.revs.Wrote(key, rev)
	return nil
}

func (s *Service) del(ctx context.Context, key string) error {
	if err := s.kv.Delete(ctx, key); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	s.revs.Deleted(key)
	return nil
}

func (s *Service) load(ctx context.Context) error {
	for _, kind := range []string{"group", "schedule"} {
		keys, err := s.kv.Keys(ctx, store.Key(kind))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("list %ss: %w", kind, err)
		}
		for _, k := range keys {
			e, err := s.kv.Get(ctx, k)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return fmt.Errorf("load %s: %w", k, err)
			}
			t := store.SplitKey(k)
			if kind == "group" {
				var g Group
				if err := json.Unmarshal(e.Value, &g); err != nil {
					return fmt.Errorf("load %s: %w", k, err)
				}
				s.groups[mapKey(t[1], g.Name)] = &g
				continue
			}
			var r record
			if err := json.Unmarshal(e.Value, &r); err != nil {
				return fmt.Errorf("load %s: %w", k, err)
			}
			s.schedules[mapKey(r.Region, r.GroupName, r.Name)] = &r
		}
	}
	return nil
}
