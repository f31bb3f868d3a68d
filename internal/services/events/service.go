// Package events is nubo's EventBridge: event buses (the default one and
// custom ones, with resource policies and tags), rules with event patterns
// (matched through one eventfilter.Machine per bus) or schedules, their
// targets, PutEvents, archives and replays, connections and API
// destinations. It has no HTTP; eventsapi serves it.
//
// Events are durable before PutEvents answers: the accepted entries of a
// request are one job of a timer.Queue, which a consumer on whichever node
// is alive fans out — archiving, matching the bus's rules and delivering to
// every target through package targets (or to API destinations over HTTP).
// A delivery that fails is retried with backoff as a job due later, within
// the target's RetryPolicy, then sent to its dead-letter queue with AWS's
// attributes; a failing target never holds up another. Scheduled rules fire
// from the same queue: each has one job due at its next fire, and the rule's
// record says which fire is current and is claimed by compare-and-set
// before the fire is queued, so a fire is delivered once even when its job
// comes twice, to two nodes at once. In a cluster each node's maps follow
// the others' writes (Follow).
package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/eventfilter"
	iampolicy "github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/targets"
	"github.com/nubo-dev/nubo/internal/timer"
)

// defaultBus is the name of every account's default event bus.
const defaultBus = "default"

// The subjects of the service's jobs.
const (
	subjectIngest   = "events.ingest"
	subjectRetry    = "events.retry"
	subjectSchedule = "events.schedule"
	subjectReplay   = "events.replay"
)

// Deliverer delivers a message to the resource an ARN names (package
// targets).
type Deliverer interface {
	Deliver(ctx context.Context, arn string, m targets.Message) error
}

// Metrics records the AWS/Events metrics: name's value for a rule of a
// bus, for a bus (rule ""), or for the account (both "").
type Metrics interface {
	Record(name, region, bus, rule string, value float64)
}

// Meter bills custom events: PutEvents entries, counted in 64 KB chunks.
type Meter interface {
	CustomEvents(region string, chunks int64)
}

// The AWS/Events metrics.
const (
	MetricInvocations         = "Invocations"
	MetricFailedInvocations   = "FailedInvocations"
	MetricMatchedEvents       = "MatchedEvents"
	MetricTriggeredRules      = "TriggeredRules"
	MetricThrottledRules      = "ThrottledRules"
	MetricSentToDLQ           = "InvocationsSentToDLQ"
	MetricFailedToBeSentToDLQ = "InvocationsFailedToBeSentToDLQ"
)

// Options configures a Service.
type Options struct {
	Account string
	// Clustered marks a node of a cluster, whose Follow will run: until
	// it does, a call waits for it (Sync).
	Clustered bool
	// Jobs holds ingested events, retries, scheduled fires and replays.
	Jobs timer.Queue
	// Archive keeps archived events (a stream of the subjects
	// "evarchive.>").
	Archive store.Stream
	// Targets delivers to targets, as events.amazonaws.com for the rule
	// or as the target's role (see Source).
	Targets Deliverer
	Metrics Metrics
	Meter   Meter
	// Clock tells the time (the system's by default).
	Clock timer.Clock
	// HTTPClient calls API destinations and OAuth endpoints.
	HTTPClient *http.Client
	// RetryDelay is the wait before retry n (1, 2, ...) of a failed
	// delivery; exponential backoff from one second with jitter, capped
	// at ten minutes, by default.
	RetryDelay func(n int) time.Duration
	Logger     *slog.Logger
}

// Service is EventBridge.
type Service struct {
	kv   store.KV
	opts Options
	log  *slog.Logger
	// revs are the revisions the maps hold, for Follow.
	revs store.Revisions

	mu       sync.RWMutex
	buses    map[string]*bus                 // by region/name
	rules    map[string]*rule                // by region/bus/name
	machines map[string]*eventfilter.Machine // rules and archives of a bus, by region/bus
	archives map[string]*archive             // by region/name
	replays  map[string]*replay              // by region/name
	conns    map[string]*connection
	dests    map[string]*apiDestination
	limiter  *limiter
	tokens   *tokenCache
	policies iampolicy.Cache
}

// New loads the service's resources from kv.
func New(ctx context.Context, kv store.KV, opts Options) (*Service, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Clock == nil {
		opts.Clock = timer.System{}
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	if opts.RetryDelay == nil {
		opts.RetryDelay = backoff
	}
	s := &Service{kv: kv, opts: opts, log: opts.Logger,
		buses: map[string]*bus{}, rules: map[string]*rule{}, machines: map[string]*eventfilter.Machine{},
		archives: map[string]*archive{}, replays: map[string]*replay{},
		conns: map[string]*connection{}, dests: map[string]*apiDestination{},
		limiter: newLimiter(), tokens: &tokenCache{tokens: map[string]cachedToken{}}}
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	if opts.Clustered {
		s.revs.Expect()
	}
	return s, nil
}

// backoff is exponential from one second, capped at ten minutes, with
// jitter over its upper half: 185 retries (the default) span about a day,
// as AWS's do.
func backoff(n int) time.Duration {
	d := min(time.Second<<min(n-1, 20), 10*time.Minute)
	return d/2 + rand.N(d/2+1)
}

// Run consumes the service's jobs until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, c := range []struct {
		subject string
		limit   int
		handle  timer.Handler
	}{
		{subjectIngest, 256, s.fanOut},
		{subjectRetry, 256, s.retry},
		{subjectSchedule, 16, s.fire},
		{subjectReplay, 4, s.replayChunk},
	} {
		wg.Go(func() {
			if err := s.opts.Jobs.Consume(ctx, c.subject, c.limit, c.handle); err != nil && ctx.Err() == nil {
				s.log.Error("events consumer stopped", "subject", c.subject, "err", err)
			}
		})
	}
	wg.Go(func() { s.expireArchives(ctx) })
	wg.Wait()
	return nil
}

// now is the service's clock.
func (s *Service) now() time.Time { return s.opts.Clock.Now() }

func (s *Service) record(name, region, bus, rule string, v float64) {
	if s.opts.Metrics != nil {
		s.opts.Metrics.Record(name, region, bus, rule, v)
	}
}

// Keys of the KV bucket.
func busKey(region, name string) string       { return store.Key("bus", region, name) }
func ruleKey(region, bus, name string) string { return store.Key("rule", region, bus, name) }
func archiveKey(region, name string) string   { return store.Key("archive", region, name) }
func replayKey(region, name string) string    { return store.Key("replay", region, name) }
func connKey(region, name string) string      { return store.Key("conn", region, name) }
func destKey(region, name string) string      { return store.Key("dest", region, name) }

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

// loadAll decodes every record under prefix into a new T and hands it to
// add.
func loadAll[T any](ctx context.Context, kv store.KV, prefix string, add func(*T)) error {
	keys, err := kv.Keys(ctx, store.Key(prefix))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("list %s: %w", prefix, err)
	}
	for _, k := range keys {
		e, err := kv.Get(ctx, k)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("load %s: %w", k, err)
		}
		v := new(T)
		if err := json.Unmarshal(e.Value, v); err != nil {
			return fmt.Errorf("load %s: %w", k, err)
		}
		add(v)
	}
	return nil
}

func (s *Service) load(ctx context.Context) error {
	return errors.Join(
		loadAll(ctx, s.kv, "bus", func(b *bus) { s.buses[regionKey(b.Region, b.Name)] = b }),
		loadAll(ctx, s.kv, "rule", func(r *rule) { s.addRuleLocked(r) }),
		loadAll(ctx, s.kv, "archive", func(a *archive) { s.addArchiveLocked(a) }),
		loadAll(ctx, s.kv, "replay", func(r *replay) { s.replays[regionKey(r.Region, r.Name)] = r }),
		loadAll(ctx, s.kv, "conn", func(c *connection) { s.conns[regionKey(c.Region, c.Name)] = c }),
		loadAll(ctx, s.kv, "dest", func(d *apiDestination) { s.dests[regionKey(d.Region, d.Name)] = d }),
	)
}

func regionKey(region, name string) string { return region + "/" + name }
