package s3

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/store"
)

// Notifier delivers one event message to one destination: a Lambda
// function (asynchronous invoke), SQS queue, SNS topic (the message is an
// EventMessage or TestEvent in JSON), or an EventBridge bus (the message
// is a whole EventBridge event: version, id, detail-type, source, account,
// time, region, resources, detail). An error means "try again later".
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// Notification is one event message for one destination. S3 sends it on
// its own behalf for the bucket (s3.amazonaws.com, the bucket's ARN and
// owner), which the destination's policy must allow.
type Notification struct {
	Bucket, Owner, Destination string
	Message                    []byte
}

// EventSubject is the work-queue subject notification jobs are published
// on; Options.Events must be a work queue that holds it.
const EventSubject = "s3events.deliver"

// Delivery limits: jobs handled at once, and how long a job that keeps
// failing is retried (each retry waits for the queue's lease to run out).
const (
	deliveryConcurrency = 16
	deliveryMaxAge      = 24 * time.Hour
)

// job is one message for one destination, as queued.
type job struct {
	Destination string          `json:"d"`
	Message     json.RawMessage `json:"m"`
	Queued      time.Time       `json:"t"`
	Bucket      string          `json:"b,omitempty"`
	Owner       string          `json:"o,omitempty"`
}

// emit queues the notifications event about v calls for in bucket b. It
// runs after the change is committed and before the request is answered,
// and returns only once every job is stored in the work queue: a change
// that was acknowledged has its notifications durably queued. (A crash
// between the commit and the queueing loses the notifications of a change
// whose request was never answered.)
func (s *Service) emit(ctx context.Context, b *bucket, event string, v *version) error {
	b.mu.RLock()
	cfg, region, owner, versioned := b.rec.Notification, regionOf(&b.rec), b.rec.Owner, b.rec.Versioning != ""
	b.mu.RUnlock()
	if cfg == nil || s.opts.Notifier == nil || s.opts.Events == nil {
		return nil
	}
	ec := &eventContext{region: region, bucket: b.name, owner: owner, caller: s.caller(ctx), now: s.opts.Now(), versioned: versioned}
	var jobs []job
	for _, t := range cfg.targets() {
		if !t.matches(event, v.Key) {
			continue
		}
		msg, err := json.Marshal(EventMessage{Records: []EventRecord{ec.record(event, t.id, v)}})
		if err != nil {
			return err
		}
		jobs = append(jobs, job{Destination: t.arn, Message: msg, Bucket: b.name, Owner: owner})
	}
	if cfg.EventBridgeConfiguration != nil {
		if e, ok := ec.bridge(event, owner, v); ok {
			msg, err := json.Marshal(e)
			if err != nil {
				return err
			}
			bus := arn.New("events", region, owner, "event-bus/default").String()
			jobs = append(jobs, job{Destination: bus, Message: msg, Bucket: b.name, Owner: owner})
		}
	}
	return s.queue(ctx, jobs)
}

// queue stores jobs in the work queue, even if the request is cancelled
// meanwhile: its change is already made.
func (s *Service) queue(ctx context.Context, jobs []job) error {
	ctx = context.WithoutCancel(ctx)
	for _, j := range jobs {
		j.Queued = s.opts.Now().UTC()
		data, err := json.Marshal(j)
		if err != nil {
			return err
		}
		if err := s.opts.Events.Publish(ctx, EventSubject, data, time.Time{}); err != nil {
			return fmt.Errorf("queue s3 notification: %w", err)
		}
	}
	return nil
}

// deliverEvents hands queued jobs to the Notifier until ctx ends. A job
// is done once delivered; a failed one returns when its lease runs out,
// until it is deliveryMaxAge old.
func (s *Service) deliverEvents(ctx context.Context) error {
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		stopped bool
	)
	err := s.opts.Events.Consume(ctx, EventSubject, deliveryConcurrency, func(j store.Job) {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return // handed over after the stop: the lease runs out and it returns
		}
		wg.Go(func() { s.deliver(ctx, j) })
	})
	mu.Lock()
	stopped = true
	mu.Unlock()
	wg.Wait()
	return err
}

func (s *Service) deliver(ctx context.Context, sj store.Job) {
	var j job
	if err := json.Unmarshal(sj.Data(), &j); err != nil {
		s.log.Error("s3: drop unreadable notification job", "err", err)
		sj.Done()
		return
	}
	if err := s.opts.Notifier.Notify(ctx, Notification{Bucket: j.Bucket, Owner: j.Owner, Destination: j.Destination, Message: j.Message}); err != nil {
		if s.opts.Now().Sub(j.Queued) > deliveryMaxAge {
			s.log.Error("s3: notification dropped after retries", "destination", j.Destination, "err", err)
			sj.Done()
		} else if ctx.Err() == nil {
			s.log.Warn("s3: notification delivery failed; will retry", "destination", j.Destination, "err", err)
		}
		return
	}
	if err := sj.Done(); err != nil && ctx.Err() == nil {
		s.log.Warn("s3: acknowledge notification job", "err", err)
	}
}

// PutBucketNotificationConfiguration validates and stores the bucket's
// notification configuration (an empty one turns notifications off), asks
// the Notifier whether each destination is usable when it can tell, and
// queues an s3:TestEvent for each queue and topic.
func (s *Service) PutBucketNotificationConfiguration(ctx context.Context, in *PutBucketNotificationConfigurationInput) error {
	cfg := in.NotificationConfiguration
	if cfg == nil {
		return malformedXML()
	}
	rec, err := s.record(ctx, in.Bucket)
	if err != nil {
		return err
	}
	if err := ValidateNotificationConfiguration(cfg, regionOf(&rec)); err != nil {
		return err
	}
	if err := s.checkDestinations(ctx, &rec, cfg, in.SkipDestinationValidation); err != nil {
		return err
	}
	err = s.updateBucket(ctx, in.Bucket, func(r *bucketRecord) error {
		r.Notification = cfg
		if len(cfg.targets()) == 0 && cfg.EventBridgeConfiguration == nil {
			r.Notification = nil
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.queueTestEvents(ctx, &rec, cfg)
}

func (s *Service) checkDestinations(ctx context.Context, rec *bucketRecord, cfg *NotificationConfiguration, skip bool) error {
	checker, ok := s.opts.Notifier.(DestinationChecker)
	if !ok || skip {
		return nil
	}
	for _, t := range cfg.targets() {
		if err := checker.CheckDestination(ctx, Notification{Bucket: rec.Name, Owner: rec.Owner, Destination: t.arn}); err != nil {
			return invalidArgument("Unable to validate the following destination configurations", t.arn, err.Error())
		}
	}
	return nil
}

func (s *Service) queueTestEvents(ctx context.Context, rec *bucketRecord, cfg *NotificationConfiguration) error {
	bucket := rec.Name
	if s.opts.Notifier == nil || s.opts.Events == nil {
		return nil
	}
	c := s.caller(ctx)
	seen := map[string]bool{}
	var jobs []job
	for _, t := range cfg.targets() {
		if t.service == "lambda" || seen[t.arn] {
			continue
		}
		seen[t.arn] = true
		msg, err := json.Marshal(TestEvent{Service: "Amazon S3", Event: "s3:TestEvent", Time: s.opts.Now().UTC().Format(eventTimeFormat), Bucket: bucket, RequestID: c.RequestID, HostID: c.HostID})
		if err != nil {
			return err
		}
		jobs = append(jobs, job{Destination: t.arn, Message: msg, Bucket: bucket, Owner: rec.Owner})
	}
	return s.queue(ctx, jobs)
}

// GetBucketNotificationConfiguration returns the configuration (empty when
// there is none, as S3 answers).
func (s *Service) GetBucketNotificationConfiguration(ctx context.Context, in *BucketInput) (*NotificationConfiguration, error) {
	rec, err := s.record(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if rec.Notification == nil {
		return &NotificationConfiguration{}, nil
	}
	return rec.Notification, nil
}
