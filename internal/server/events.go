package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/services/cloudwatch"
	"github.com/nubo-dev/nubo/internal/services/events"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/logs"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/targets"
	"github.com/nubo-dev/nubo/internal/timer"
)

// buildEvents builds EventBridge: its resources in the KV bucket
// "events", its jobs (ingested events, retries, scheduled fires, replays)
// on the EVENTS work queue, its archives on the EVARCHIVE stream.
func (s *Server) buildEvents(ctx context.Context, dests *targets.Targets) error {
	kv, err := s.store.KV(ctx, "events")
	if err != nil {
		return err
	}
	work, err := s.store.WorkQueue(ctx, "EVENTS", "events", 30*time.Second)
	if err != nil {
		return err
	}
	archive, err := s.store.Stream(ctx, "EVARCHIVE", events.ArchivePrefix, natsstore.StreamOptions{})
	if err != nil {
		return err
	}
	s.events, err = events.New(ctx, kv, events.Options{
		Account:   s.cfg.Account,
		Clustered: s.cluster != nil,
		Jobs:      timer.New(work, 30*time.Second, s.log),
		Archive:   archive,
		Targets:   dests,
		Metrics:   eventsMetrics{s.obs.metrics},
		Meter:     s.obs,
		Logger:    s.log,
	})
	if err != nil {
		return fmt.Errorf("open events: %w", err)
	}
	dests.Buses, dests.LogGroups = s.events, logTargets{s.logs}
	s.runners = append(s.runners, s.events.Run)
	if s.cluster != nil {
		s.runners = append(s.runners, follow(func(ctx context.Context) error { return s.events.Follow(ctx, kv.(store.Watchable)) }))
	}
	return nil
}

// eventsMetrics records AWS/Events metrics in the series CloudWatch has
// for them: for the account, per bus, per rule, and per bus and rule.
type eventsMetrics struct{ m *cloudwatch.Metrics }

func (e eventsMetrics) Record(name, region, bus, rule string, v float64) {
	put := func(dims ...cloudwatch.Dimension) { e.m.Put(cloudwatch.NamespaceEvents, name, region, dims, v) }
	put()
	busDim, ruleDim := cloudwatch.Dimension{Name: "EventBusName", Value: bus}, cloudwatch.Dimension{Name: "RuleName", Value: rule}
	if rule == "" {
		put(busDim)
		return
	}
	put(ruleDim)
	put(busDim, ruleDim)
}

// CustomEvents meters EventBridge's custom events.
func (o *observability) CustomEvents(region string, chunks int64) {
	o.meter.AddEvents(time.Now(), region, chunks)
}

// logTargets writes targets' messages to CloudWatch Logs: each message in
// a log stream named by its id in an existing log group.
type logTargets struct{ *logs.Store }

func (l logTargets) Write(ctx context.Context, groupARN string, m targets.Message) error {
	a, err := arn.Parse(groupARN)
	if err != nil {
		return err
	}
	_, group := a.ResourceType()
	group = strings.TrimSuffix(group, ":*")
	if _, err := l.Group(group); err != nil {
		return fmt.Errorf("%w: log group %s", targets.ErrNotFound, group)
	}
	stream := m.ID
	if stream == "" {
		stream = "events"
	}
	if err := l.CreateStream(ctx, group, stream); err != nil && !errors.Is(err, logs.ErrStreamExists) {
		return err
	}
	at := m.Time
	if at.IsZero() {
		at = time.Now()
	}
	return l.Put(ctx, group, stream, []lambda.LogEvent{{Timestamp: at.UnixMilli(), Message: string(m.Body)}})
}
