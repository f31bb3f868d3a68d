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
	return q.SendAll(ctx, []string{queueARN}, []targets.Message{m})[0]
}

// SendAll sends the messages together (targets.QueueBatches).
func (q queueTargets) SendAll(ctx context.Context, queueARNs []string, ms []targets.Message) []error {
	out := make([]sqs.Outgoing, len(ms))
	for i, m := range ms {
		var attrs map[string]sqs.MessageAttribute
		if len(m.Attributes) > 0 {
			attrs = make(map[string]sqs.MessageAttribute, len(m.Attributes))
			for k, a := range m.Attributes {
				attrs[k] = sqs.MessageAttribute(a)
			}
		}
		out[i] = sqs.Outgoing{QueueARN: queueARNs[i], Body: string(m.Body), Attributes: attrs, GroupID: m.GroupID, DeduplicationID: m.DeduplicationID}
	}
	errs := q.SendMessages(ctx, out)
	for i, err := range errs {
		if errors.Is(err, sqs.ErrQueueDoesNotExist) {
			errs[i] = fmt.Errorf("%w: %w", targets.ErrNotFound, err)
		}
	}
	return errs
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
