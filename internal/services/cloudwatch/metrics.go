// Package metrics keeps the AWS/Lambda metrics of every function — per
// function, per alias or version, and for the whole account — as
// CloudWatch does: a statistic set (count, sum, minimum, maximum, and a
// histogram for percentiles) per series and minute. The current minute is
// aggregated in memory; each closed minute is appended to a store.Stream
// that keeps at least 15 days. It serves queries for the CloudWatch API
// and a Prometheus exposition of running totals.
//
// The engine's invocation records feed Invocations, Errors, Duration and
// Throttles; a sampler of the engine's in-flight invocations feeds
// ConcurrentExecutions; the asynchronous invocation queue records the
// Async*, DeadLetterErrors and DestinationDeliveryFailures metrics with
// Record. API Gateway's HTTP APIs put the AWS/ApiGateway metrics (Count,
// 4xx, 5xx, Latency, IntegrationLatency, per ApiId and per ApiId and
// Stage) with Put.
package cloudwatch

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// Namespace is the CloudWatch namespace of Lambda's metrics, those Record
// records; NamespaceDynamoDB, NamespaceAPIGateway and NamespaceS3 are
// DynamoDB's, API Gateway's and S3's, which Put records.
const (
	Namespace           = "AWS/Lambda"
	NamespaceDynamoDB   = "AWS/DynamoDB"
	NamespaceAPIGateway = "AWS/ApiGateway"
	NamespaceS3         = "AWS/S3"
)

// API Gateway's metrics of HTTP APIs, per ApiId and per ApiId and Stage.
const (
	Count              = "Count"
	ClientErrors       = "4xx"
	ServerErrors       = "5xx"
	Latency            = "Latency"
	IntegrationLatency = "IntegrationLatency"
)

// DynamoDB's metrics: consumed capacity per TableName; latency, returned
// items and system errors per TableName and Operation; user errors per
// region (no dimension); failed conditions per TableName.
const (
	ConsumedReadCapacityUnits      = "ConsumedReadCapacityUnits"
	ConsumedWriteCapacityUnits     = "ConsumedWriteCapacityUnits"
	SuccessfulRequestLatency       = "SuccessfulRequestLatency"
	ReturnedItemCount              = "ReturnedItemCount"
	ThrottledRequests              = "ThrottledRequests"
	UserErrors                     = "UserErrors"
	SystemErrors                   = "SystemErrors"
	ConditionalCheckFailedRequests = "ConditionalCheckFailedRequests"
)

// S3's request metrics, per BucketName and FilterId.
const (
	AllRequests         = "AllRequests"
	GetRequests         = "GetRequests"
	PutRequests         = "PutRequests"
	DeleteRequests      = "DeleteRequests"
	HeadRequests        = "HeadRequests"
	PostRequests        = "PostRequests"
	ListRequests        = "ListRequests"
	Errors4xx           = "4xxErrors"
	Errors5xx           = "5xxErrors"
	BytesDownloaded     = "BytesDownloaded"
	BytesUploaded       = "BytesUploaded"
	FirstByteLatency    = "FirstByteLatency"
	TotalRequestLatency = "TotalRequestLatency"
)

// The metrics, by their CloudWatch names.
const (
	Invocations                 = "Invocations"
	Errors                      = "Errors"
	Throttles                   = "Throttles"
	Duration                    = "Duration"
	ConcurrentExecutions        = "ConcurrentExecutions"
	DeadLetterErrors            = "DeadLetterErrors"
	DestinationDeliveryFailures = "DestinationDeliveryFailures"
	AsyncEventsReceived         = "AsyncEventsReceived"
	AsyncEventAge               = "AsyncEventAge"
	AsyncEventsDropped          = "AsyncEventsDropped"
	// IteratorAge is the age of a stream batch's last record when the
	// function took it (event source mappings of streams).
	IteratorAge = "IteratorAge"
)

// Unit is each metric's CloudWatch unit.
var Unit = map[string]string{
	Invocations: "Count", Errors: "Count", Throttles: "Count", Duration: "Milliseconds",
	ConcurrentExecutions: "Count", DeadLetterErrors: "Count", DestinationDeliveryFailures: "Count",
	AsyncEventsReceived: "Count", AsyncEventAge: "Milliseconds", AsyncEventsDropped: "Count",
	IteratorAge:               "Milliseconds",
	ConsumedReadCapacityUnits: "Count", ConsumedWriteCapacityUnits: "Count", SuccessfulRequestLatency: "Milliseconds",
	ReturnedItemCount: "Count", ThrottledRequests: "Count", UserErrors: "Count", SystemErrors: "Count", ConditionalCheckFailedRequests: "Count",
	FailedInvocations: "Count", MatchedEvents: "Count", TriggeredRules: "Count", ThrottledRules: "Count", InvocationsSentToDLQ: "Count", InvocationsFailedToBeSentToDLQ: "Count",
	Count: "Count", ClientErrors: "Count", ServerErrors: "Count", Latency: "Milliseconds", IntegrationLatency: "Milliseconds",
	AllRequests: "Count", GetRequests: "Count", PutRequests: "Count", DeleteRequests: "Count", HeadRequests: "Count",
	PostRequests: "Count", ListRequests: "Count", Errors4xx: "Count", Errors5xx: "Count",
	BytesDownloaded: "Bytes", BytesUploaded: "Bytes", FirstByteLatency: "Milliseconds", TotalRequestLatency: "Milliseconds",
	ExecutionsStarted: "Count", ExecutionsSucceeded: "Count", ExecutionsFailed: "Count", ExecutionsAborted: "Count",
	ExecutionsTimedOut: "Count", ExecutionsRedriven: "Count", ExecutionTime: "Milliseconds",
	"LambdaFunctionsScheduled": "Count", "LambdaFunctionsStarted": "Count", "LambdaFunctionsSucceeded": "Count", "LambdaFunctionsFailed": "Count",
	"LambdaFunctionsTimedOut": "Count", "LambdaFunctionRunTime": "Milliseconds", "LambdaFunctionScheduleTime": "Milliseconds", "LambdaFunctionTime": "Milliseconds",
	"ServiceIntegrationsScheduled": "Count", "ServiceIntegrationsStarted": "Count", "ServiceIntegrationsSucceeded": "Count", "ServiceIntegrationsFailed": "Count",
	"ServiceIntegrationsTimedOut": "Count", "ServiceIntegrationRunTime": "Milliseconds", "ServiceIntegrationScheduleTime": "Milliseconds", "ServiceIntegrationTime": "Milliseconds",
	"ActivitiesScheduled": "Count", "ActivitiesStarted": "Count", "ActivitiesSucceeded": "Count", "ActivitiesFailed": "Count", "ActivitiesTimedOut": "Count",
	"ActivitiesHeartbeatTimedOut": "Count", "ActivityRunTime": "Milliseconds", "ActivityScheduleTime": "Milliseconds", "ActivityTime": "Milliseconds",
}

// Dims says what a value is about: a function in a region and, when the
// caller named one, the alias or version it invoked.
type Dims struct {
	Region    string
	Function  string
	Qualifier string
}

// Recorder records Lambda metrics. The asynchronous invocation queue
// records through it:
//
//	rec.Record(metrics.AsyncEventsReceived, dims, 1)   // an event was queued
//	rec.Record(metrics.AsyncEventAge, dims, ageMs)     // an event was taken, after ageMs in the queue
//	rec.Record(metrics.AsyncEventsDropped, dims, 1)    // an event was dropped (too old, too many retries)
//	rec.Record(metrics.DeadLetterErrors, dims, 1)      // sending an event to its dead-letter queue failed
//	rec.Record(metrics.DestinationDeliveryFailures, dims, 1) // sending a result to a destination failed
//
// Count metrics take 1 per occurrence (Errors takes 0 for a success, so
// that its Average is the error rate, as in Lambda); Milliseconds metrics
// take the duration. Record is quick and safe for concurrent use.
type Recorder interface {
	Record(name string, dims Dims, value float64)
}

// series names one metric with one set of dimensions: the account total
// (Function ""), a function (Resource ""), or an alias or version
// (Resource "name:qualifier").
type series struct {
	// NS is the namespace: "" for AWS/Lambda.
	NS       string `json:"ns,omitempty"`
	Region   string `json:"r"`
	Name     string `json:"m"`
	Function string `json:"f,omitempty"`
	Resource string `json:"q,omitempty"`
}

// Options configures Metrics.
type Options struct {
	// Concurrency reports the invocations in flight, in total and per
	// "region/function"; ConcurrentExecutions is sampled from it.
	Concurrency func() (int, map[string]int)
	// SampleEvery is how often concurrency is sampled and closed minutes
	// are persisted (default 1 s).
	SampleEvery time.Duration
	Logger      *slog.Logger
}

// Metrics records and serves the Lambda metrics.
type Metrics struct {
	history store.Stream
	index   store.KV
	opts    Options
	log     *slog.Logger

	mu      sync.Mutex
	minutes map[int64]map[series]*Stat // open (not yet persisted) minutes, by Unix minute
	totals  map[promKey]*promSeries    // running totals since start, for Prometheus
	known   map[series]int64           // series, and the minute the index last recorded them
	flushMu sync.Mutex                 // one persister at a time
}

// Open returns Metrics that persist closed minutes to history (a stream of
// the subjects "metrics.>") and the names of the series seen to index.
func Open(ctx context.Context, history store.Stream, index store.KV, opts Options) (*Metrics, error) {
	if opts.SampleEvery == 0 {
		opts.SampleEvery = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	m := &Metrics{history: history, index: index, opts: opts, log: opts.Logger,
		minutes: map[int64]map[series]*Stat{}, totals: map[promKey]*promSeries{}, known: map[series]int64{}}
	if err := m.loadIndex(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// Record records one value of a metric for dims: in the account's total,
// the function's series, and the alias's or version's when dims has a
// qualifier.
func (m *Metrics) Record(name string, d Dims, value float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.countLocked(name, d, value)
	open := m.openLocked(time.Now())
	sampleInto(open, series{Region: d.Region, Name: name}, value)
	if d.Function == "" {
		return
	}
	sampleInto(open, series{Region: d.Region, Name: name, Function: d.Function}, value)
	if d.Qualifier != "" {
		sampleInto(open, series{Region: d.Region, Name: name, Function: d.Function, Resource: d.Function + ":" + d.Qualifier}, value)
	}
}

// Put records one value of a metric of another namespace than Lambda's
// (AWS/DynamoDB, AWS/ApiGateway, AWS/S3), in the one series its dimensions name.
func (m *Metrics) Put(ns, name, region string, dims []Dimension, value float64) {
	s, ok := seriesOf(region, ns, name, dims)
	if !ok || ns == Namespace {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	sampleInto(m.openLocked(time.Now()), s, value)
}

// Run samples concurrency and persists closed minutes until ctx ends.
// Flush persists what is left.
func (m *Metrics) Run(ctx context.Context) error {
	t := time.NewTicker(m.opts.SampleEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			m.sample(now)
			if err := m.persist(ctx, now.Unix()/60); err != nil && ctx.Err() == nil {
				m.log.Warn("persist metrics", "err", err)
			}
		}
	}
}

// Flush persists every minute, the open one too, and waits until they are
// stored.
func (m *Metrics) Flush(ctx context.Context) error {
	if err := m.persist(ctx, time.Now().Unix()/60+1); err != nil {
		return err
	}
	return m.history.Flush(ctx)
}

// sample records the invocations in flight, per function and per region,
// when there are some.
func (m *Metrics) sample(now time.Time) {
	if m.opts.Concurrency == nil {
		return
	}
	_, byFunction := m.opts.Concurrency()
	regions := map[string]int{}
	for key, n := range byFunction {
		if n == 0 {
			continue
		}
		region, function := splitKey(key)
		regions[region] += n
		m.mu.Lock()
		open := m.openLocked(now)
		sampleInto(open, series{Region: region, Name: ConcurrentExecutions, Function: function}, float64(n))
		m.mu.Unlock()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for region, n := range regions {
		sampleInto(m.openLocked(now), series{Region: region, Name: ConcurrentExecutions}, float64(n))
	}
}

func (m *Metrics) openLocked(now time.Time) map[series]*Stat {
	minute := now.Unix() / 60
	open := m.minutes[minute]
	if open == nil {
		open = map[series]*Stat{}
		m.minutes[minute] = open
	}
	return open
}

func sampleInto(open map[series]*Stat, s series, v float64) {
	st := open[s]
	if st == nil {
		st = &Stat{}
		open[s] = st
	}
	st.add(v)
}

func splitKey(key string) (region, function string) {
	for i := 0; i < len(key); i++ {
		if key[i] == '/' {
			return key[:i], key[i+1:]
		}
	}
	return "", key
}
