package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/nubo-dev/nubo/internal/engine"
	"github.com/nubo-dev/nubo/internal/meter"
	"github.com/nubo-dev/nubo/internal/services/cloudwatch"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/wire"
)

// observability turns the engine's invocation records into metrics and
// the meter's usage, from the same numbers as the REPORT lines.
type observability struct {
	metrics *cloudwatch.Metrics
	meter   *meter.Meter
	prices  meter.Prices
}

// openObservability opens the metrics history and the meter; the engine
// they sample is s.engine, built after them.
func (s *Server) openObservability(ctx context.Context) (*observability, error) {
	history, err := s.store.Stream(ctx, "METRICS", cloudwatch.Prefix, natsstore.StreamOptions{MaxAge: cloudwatch.Retention})
	if err != nil {
		return nil, err
	}
	index, err := s.store.KV(ctx, "metrics")
	if err != nil {
		return nil, err
	}
	m, err := cloudwatch.Open(ctx, history, index, cloudwatch.Options{
		Concurrency: func() (int, map[string]int) { return s.engine.Concurrency() },
		Logger:      s.log,
	})
	if err != nil {
		return nil, fmt.Errorf("open metrics: %w", err)
	}
	usage, err := s.store.Stream(ctx, "METER", meter.Prefix, natsstore.StreamOptions{MaxAge: meter.Retention, AllowRollup: true})
	if err != nil {
		return nil, err
	}
	var node string // every node's subjects name it (meter/cluster.go)
	if s.cluster != nil {
		node = s.cluster.Self()
	}
	mt, err := meter.Open(ctx, usage, meter.Options{Node: node, Logger: s.log})
	if err != nil {
		return nil, fmt.Errorf("open meter: %w", err)
	}
	prices := meter.DefaultPrices()
	if s.cfg.Prices != nil {
		prices = *s.cfg.Prices
	}
	s.runners = append(s.runners, m.Run, mt.Run)
	return &observability{metrics: m, meter: mt, prices: prices}, nil
}

// Invoked records an invocation's metrics and meters it.
func (o *observability) Invoked(r engine.Record) {
	d := cloudwatch.Dims{Region: r.Region, Function: r.Function, Qualifier: r.Qualifier}
	o.metrics.Record(cloudwatch.Invocations, d, 1)
	failed := 0.0
	if r.Error {
		failed = 1
	}
	o.metrics.Record(cloudwatch.Errors, d, failed)
	o.metrics.Record(cloudwatch.Duration, d, reportMs(r.Duration))
	o.meter.Add(meter.Usage{Time: r.Time, Region: r.Region, Function: r.Function, Architecture: r.Architecture,
		MemoryMB: r.MemoryMB, BilledMs: r.BilledMs})
}

// Add records a metric of the asynchronous queue (AsyncEventsReceived,
// AsyncEventAge, AsyncEventsDropped, DeadLetterErrors,
// DestinationDeliveryFailures).
func (o *observability) Add(metric string, scope lambda.Scope, function, qualifier string, v float64) {
	o.metrics.Record(metric, cloudwatch.Dims{Region: scope.Region, Function: function, Qualifier: qualifier}, v)
}

// Throttled counts a throttled invocation.
func (o *observability) Throttled(region, function, qualifier string) {
	o.metrics.Record(cloudwatch.Throttles, cloudwatch.Dims{Region: region, Function: function, Qualifier: qualifier}, 1)
}

// reportMs is a duration in milliseconds exactly as the REPORT line
// prints it (two decimals), so that the Duration metric sums to what the
// logs say.
func reportMs(d time.Duration) float64 {
	ms, _ := strconv.ParseFloat(strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64), 64)
	return ms
}

// flush stores what the metrics and the meter hold in memory.
func (o *observability) flush(ctx context.Context) error {
	return errors.Join(o.metrics.Flush(ctx), o.meter.Flush(ctx))
}

// observabilityPaths are nubo's own observability endpoints: the
// Prometheus exposition, for callers allowed cloudwatch:GetMetricData and
// unsigned scrapers on this machine, and the bill, for callers allowed
// Cost Explorer's ce:GetCostAndUsage.
func (s *Server) observabilityPaths(router *wire.Router) {
	router.HandlePath(cloudwatch.Path, s.obs.metrics.Handler(s.writeBill, s.writeClusterMetrics),
		wire.PathAccess{Action: "cloudwatch:GetMetricData", Loopback: true})
	router.HandlePath(meter.Path, s.obs.meter.Handler(s.obs.prices), wire.PathAccess{Action: "ce:GetCostAndUsage"})
}

// writeBill adds this month's bill to the Prometheus exposition.
func (s *Server) writeBill(w io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.obs.meter.WritePrometheus(ctx, w, s.obs.prices)
}
