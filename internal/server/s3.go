package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/services/s3"
	"github.com/nubo-dev/nubo/internal/services/s3/s3api"
	"github.com/nubo-dev/nubo/internal/targets"
	"github.com/nubo-dev/nubo/internal/wire"
)

// s3EventLease is how long a notification delivery may take before the
// job returns to the queue for another try.
const s3EventLease = 30 * time.Second

// buildS3 builds object storage: metadata in the KV bucket "s3", bytes
// under <data-dir>/s3 (and, in a cluster, in the object store "s3"),
// notifications on the S3_EVENTS work queue, delivered through dests.
func (s *Server) buildS3(ctx context.Context, dests *targets.Targets) (*wire.Service, error) {
	kv, err := s.store.KV(ctx, "s3")
	if err != nil {
		return nil, err
	}
	events, err := s.store.WorkQueue(ctx, "S3_EVENTS", "s3events", s3EventLease)
	if err != nil {
		return nil, err
	}
	opts := s3.Options{
		Dir:      filepath.Join(s.cfg.DataDir, "s3"),
		Account:  s.cfg.Account,
		Region:   s.cfg.Region,
		Notifier: &s3Notifier{dests: dests, server: s, log: s.log},
		Events:   events,
		Logger:   s.log,
	}
	if s.cluster != nil {
		// Every node serves every object: the blobs are in a replicated
		// object store too, and the service follows the KV.
		if opts.Objects, err = s.store.Objects(ctx, "s3"); err != nil {
			return nil, err
		}
	}
	svc, err := s3.New(ctx, kv, opts)
	if err != nil {
		return nil, fmt.Errorf("open s3: %w", err)
	}
	obs := s3Observer{s.obs}
	s.runners = append(s.runners, svc.Run, func(ctx context.Context) error { return obs.meterS3Storage(ctx, svc) })
	return s3api.New(svc, s3api.Options{Metrics: obs, Logger: s.log}), nil
}

// s3Notifier delivers S3's event notifications to their destinations and
// tells PutBucketNotificationConfiguration whether a destination exists.
type s3Notifier struct {
	dests  *targets.Targets
	server *Server
	log    *slog.Logger
}

// Notify delivers one notification; an error has the job tried again. A
// destination nubo cannot deliver to is dropped with a warning, and so is
// one whose policy does not let S3 deliver, since no retry helps.
func (n *s3Notifier) Notify(ctx context.Context, note s3.Notification) error {
	err := n.dests.Deliver(ctx, note.Destination, targets.Message{Body: note.Message, Source: s3Source(note)})
	switch {
	case errors.Is(err, targets.ErrUnsupported):
		n.log.Warn("s3: notification dropped: nubo cannot deliver to its destination", "destination", note.Destination)
		return nil
	case errors.Is(err, targets.ErrDenied):
		n.log.Warn("s3: notification dropped: the destination's policy does not allow S3 to deliver", "destination", note.Destination, "err", err)
		return nil
	}
	return err
}

// s3Source is who delivers a bucket's notifications: S3 on its own behalf,
// for the bucket, which the destination's policy must allow (an SQS queue
// policy or SNS topic policy for s3.amazonaws.com, a function's
// permission, usually on aws:SourceArn and aws:SourceAccount). A job
// queued before notifications named their bucket is nubo's own.
func s3Source(note s3.Notification) targets.Source {
	if note.Bucket == "" {
		return targets.Source{}
	}
	return targets.Source{Service: "s3.amazonaws.com", ARN: "arn:aws:s3:::" + note.Bucket, Account: note.Owner}
}

// CheckDestination reports whether the queue, topic or function an ARN
// names exists and lets S3 deliver the bucket's events, as S3 checks a
// notification configuration's destinations.
func (n *s3Notifier) CheckDestination(ctx context.Context, note s3.Notification) error {
	destination := note.Destination
	a, err := arn.Parse(destination)
	if err != nil {
		return err
	}
	err = n.server.findTarget(ctx, destination)
	if err != nil || n.dests.Allow == nil {
		return err
	}
	if err := n.dests.Allow(ctx, s3Source(note), targets.Action(destination), destination); errors.Is(err, targets.ErrDenied) {
		return errors.New(deniedDestination[a.Service])
	} else if err != nil {
		return err
	}
	return nil
}

// deniedDestination is how S3 says that a destination's policy does not
// let it deliver.
var deniedDestination = map[string]string{
	"sqs":    "Permissions on the destination queue do not allow S3 to publish notifications from this bucket",
	"sns":    "Permissions on the destination topic do not allow S3 to publish notifications from this bucket",
	"lambda": "Not authorized to invoke function",
}
