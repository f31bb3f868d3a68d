package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/nubo-dev/nubo/internal/services/sns"
	"github.com/nubo-dev/nubo/internal/services/sqs"
	"github.com/nubo-dev/nubo/internal/targets"
)

// queueTargets sends targets' messages to SQS.
type queueTargets struct{ *sqs.Service }

func (q queueTargets) Send(ctx context.Context, queueARN string, m targets.Message) error {
	attrs := make(map[string]sqs.MessageAttribute, len(m.Attributes))
	for k, a := range m.Attributes {
		attrs[k] = sqs.MessageAttribute(a)
	}
	var err error
	if m.GroupID != "" {
		_, err = q.SendFIFO(ctx, queueARN, sqs.SendInput{Body: string(m.Body), Attributes: attrs, GroupID: m.GroupID, DeduplicationID: m.DeduplicationID})
	} else {
		_, err = q.SendMessage(ctx, queueARN, string(m.Body), attrs)
	}
	if errors.Is(err, sqs.ErrQueueDoesNotExist) {
		return fmt.Errorf("%w: %w", targets.ErrNotFound, err)
	}
	return err
}

// topicTargets publishes targets' messages to SNS.
type topicTargets struct{ *sns.Service }

func (t topicTargets) Publish(ctx context.Context, topicARN string, m targets.Message) error {
	attrs := make(map[string]sns.MessageAttribute, len(m.Attributes))
	for k, a := range m.Attributes {
		attrs[k] = sns.MessageAttribute(a)
	}
	_, err := t.Service.Publish(ctx, topicARN, string(m.Body), attrs)
	if errors.Is(err, sns.ErrNotFound) {
		return fmt.Errorf("%w: %w", targets.ErrNotFound, err)
	}
	return err
}
