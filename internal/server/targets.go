package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/nubo-dev/nubo/internal/async"
	"github.com/nubo-dev/nubo/internal/lambda"
	"github.com/nubo-dev/nubo/internal/services/sns"
	"github.com/nubo-dev/nubo/internal/services/sqs"
)

// targets delivers asynchronous invocation records and dead-letter
// messages to the service an ARN names: a function (as an asynchronous
// invocation), a queue or a topic.
type targets struct {
	queue *async.Queue
	sqs   *sqs.Service
	sns   *sns.Service
}

func (t *targets) Send(ctx context.Context, arn string, body []byte, attrs map[string]async.Attribute) error {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return fmt.Errorf("not an ARN: %q", arn)
	}
	switch parts[2] {
	case "lambda":
		ref, err := lambda.ParseFunctionRef(arn, 256)
		if err != nil {
			return err
		}
		return t.queue.InvokeAsync(ctx, lambda.Scope{Account: parts[4], Region: parts[3]}, ref, body)
	case "sqs":
		queueAttrs := make(map[string]sqs.MessageAttribute, len(attrs))
		for k, a := range attrs {
			queueAttrs[k] = sqs.MessageAttribute{DataType: a.DataType, StringValue: a.Value}
		}
		_, err := t.sqs.SendMessage(ctx, arn, string(body), queueAttrs)
		return err
	case "sns":
		topicAttrs := make(map[string]sns.MessageAttribute, len(attrs))
		for k, a := range attrs {
			topicAttrs[k] = sns.MessageAttribute{DataType: a.DataType, StringValue: a.Value}
		}
		_, err := t.sns.Publish(ctx, arn, string(body), topicAttrs)
		return err
	}
	return fmt.Errorf("nubo cannot deliver to %s", arn)
}
