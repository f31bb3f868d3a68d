package server

import (
	"context"
	"time"

	"github.com/nubo-dev/nubo/internal/invoker"
	"github.com/nubo-dev/nubo/internal/services/lambda/esm"
	"github.com/nubo-dev/nubo/internal/services/sns"
	"github.com/nubo-dev/nubo/internal/services/sqs"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/targets"
)

// buildMessaging builds SQS, SNS and the event source mappings (of SQS
// queues and DynamoDB streams, whose failures go to dests).
func (s *Server) buildMessaging(ctx context.Context, inv *invoker.Invoker, dests *targets.Targets) error {
	queueMeta, err := s.store.KV(ctx, "sqs")
	if err != nil {
		return err
	}
	// SQS's messages are a log: concurrent sends, receives and deletions
	// share JetStream writes. Earlier versions kept them in a table per
	// key, whose rows move into the log once.
	messages, err := s.store.LogTable(ctx, "SQSLOG", "sqslog")
	if err != nil {
		return err
	}
	if err := s.store.MoveTable(ctx, "SQS", "sqs", messages); err != nil {
		return err
	}
	s.sqs, err = sqs.New(ctx, queueMeta, messages, sqs.Options{Account: s.cfg.Account, Logger: s.log, Cluster: s.cluster})
	if err != nil {
		return err
	}
	s.runners = append(s.runners, func(ctx context.Context) error { s.sqs.Run(ctx); return nil })
	topicMeta, err := s.store.KV(ctx, "sns")
	if err != nil {
		return err
	}
	deliveries, err := s.store.WorkQueue(ctx, "SNS", "sns", 30*time.Second)
	if err != nil {
		return err
	}
	topics, err := sns.New(ctx, topicMeta, deliveries, dests, sns.Options{
		Account: s.cfg.Account, BaseURL: "http://" + s.Addr(), RetryDelay: s.cfg.SNSRetryDelay, Logger: s.log})
	if err != nil {
		return err
	}
	s.sns = topics
	s.runners = append(s.runners, topics.Run)
	mappings, err := s.store.KV(ctx, "esm")
	if err != nil {
		return err
	}
	if s.esm, err = esm.New(ctx, mappings, s.sqs, inv, esm.Options{Logger: s.log, Cluster: s.cluster,
		Streams: streamSource{s.dynamodb}, Destinations: dests, Metrics: s.obs.metrics}); err != nil {
		return err
	}
	if s.cluster != nil {
		s.runners = append(s.runners, follow(func(ctx context.Context) error { return s.esm.Follow(ctx, mappings.(store.Watchable)) }))
	}
	s.runners = append(s.runners, s.esm.Run)
	return nil
}
