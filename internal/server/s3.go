package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/s3"
	"github.com/nubo-dev/nubo/internal/services/s3/s3api"
	"github.com/nubo-dev/nubo/internal/targets"
	"github.com/nubo-dev/nubo/internal/wire"
)

// s3EventLease is how long a notification delivery may take before the
// job returns to the queue for another try.
const s3EventLease = 30 * time.Second

// buildS3 builds object storage: metadata in the KV bucket "s3", bytes
// under <data-dir>/s3, notifications on the S3_EVENTS work queue,
// delivered through dests.
func (s *Server) buildS3(ctx context.Context, dests *targets.Targets) (*wire.Service, error) {
	kv, err := s.store.KV(ctx, "s3")
	if err != nil {
		return nil, err
	}
	events, err := s.store.WorkQueue(ctx, "S3_EVENTS", "s3events", s3EventLease)
	if err != nil {
		return nil, err
	}
	svc, err := s3.New(ctx, kv, s3.Options{
		Dir:      filepath.Join(s.cfg.DataDir, "s3"),
		Account:  s.cfg.Account,
		Region:   s.cfg.Region,
		Notifier: &s3Notifier{dests: dests, server: s, log: s.log},
		Events:   events,
		Logger:   s.log,
	})
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
// destination nubo cannot deliver to (an EventBridge bus before nubo
// serves EventBridge) is dropped with a warning, since no retry helps.
func (n *s3Notifier) Notify(ctx context.Context, destination string, message []byte) error {
	err := n.dests.Deliver(ctx, destination, targets.Message{Body: message})
	if errors.Is(err, targets.ErrUnsupported) {
		n.log.Warn("s3: notification dropped: nubo cannot deliver to its destination", "destination", destination)
		return nil
	}
	return err
}

// CheckDestination reports whether the queue, topic or function an ARN
// names exists, as S3 checks a notification configuration's destinations.
func (n *s3Notifier) CheckDestination(ctx context.Context, destination string) error {
	a, err := arn.Parse(destination)
	if err != nil {
		return err
	}
	s := n.server
	switch a.Service {
	case "sqs":
		ref, ok := s.sqs.ParseARN(destination)
		if !ok {
			return fmt.Errorf("not a queue of this account: %s", destination)
		}
		_, err = s.sqs.QueueAttributes(ref, nil)
	case "sns":
		_, err = s.sns.TopicAttributes(destination)
	case "lambda":
		var ref lambda.FunctionRef
		if ref, err = lambda.ParseFunctionRef(destination, 256); err == nil {
			_, err = s.control.GetFunction(ctx, lambda.Scope{Account: a.Account, Region: a.Region}, ref)
		}
	}
	return err
}
