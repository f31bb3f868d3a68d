// Package targets delivers a message to the resource an ARN names: a Lambda
// function (as an asynchronous invocation), an SQS queue or an SNS topic.
// Asynchronous invocation destinations and dead-letter queues and SNS
// subscriptions deliver through it today, and so will S3 notifications,
// EventBridge targets and Step Functions tasks, so that reading target ARNs
// and each kind of target's checks and errors live in one place. The
// services themselves are reached through small interfaces that the
// composition root fills in.
package targets

import (
	"context"
	"errors"
	"fmt"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// Message is what is delivered.
type Message struct {
	Body       []byte
	Attributes map[string]Attribute
	// GroupID and DeduplicationID order and deduplicate messages sent to
	// a FIFO queue.
	GroupID, DeduplicationID string
}

// Attribute is a message attribute.
type Attribute struct {
	DataType    string
	StringValue string
	BinaryValue []byte
}

// Functions queues asynchronous invocations.
type Functions interface {
	InvokeAsync(ctx context.Context, scope lambda.Scope, function lambda.FunctionRef, payload []byte) error
}

// Queues sends messages to SQS queues, named by ARN.
type Queues interface {
	Send(ctx context.Context, queueARN string, m Message) error
}

// QueueBatches is Queues that can send several messages together (their
// stores waited for at once): DeliverAll uses it when it is there.
type QueueBatches interface {
	SendAll(ctx context.Context, queueARNs []string, ms []Message) []error
}

// Topics publishes messages to SNS topics, named by ARN.
type Topics interface {
	Publish(ctx context.Context, topicARN string, m Message) error
}

// Targets delivers messages. Set the services before the first delivery.
type Targets struct {
	Functions Functions
	Queues    Queues
	Topics    Topics
}

// ErrUnsupported is returned for an ARN of a kind nubo cannot deliver to.
var ErrUnsupported = errors.New("targets: nubo cannot deliver to this ARN")

// DeliverAll delivers each message to the resource its target names, as
// Deliver does, and returns each one's error (nil, or nil errors, when all
// went). Messages to queues go together when Queues is a QueueBatches: an
// SNS message to ten subscribed queues is then one store.
func (t *Targets) DeliverAll(ctx context.Context, targets []string, ms []Message) []error {
	errs := make([]error, len(ms))
	var queued []int
	batches, ok := t.Queues.(QueueBatches)
	for i, target := range targets {
		if a, err := arn.Parse(target); ok && err == nil && a.Service == "sqs" {
			queued = append(queued, i)
			continue
		}
		errs[i] = t.Deliver(ctx, target, ms[i])
	}
	if len(queued) == 0 {
		return errs
	}
	arns, batch := make([]string, len(queued)), make([]Message, len(queued))
	for j, i := range queued {
		arns[j], batch[j] = targets[i], ms[i]
	}
	for j, err := range batches.SendAll(ctx, arns, batch) {
		errs[queued[j]] = err
	}
	return errs
}

// Deliver delivers m to the resource target names, and returns once the
// delivery is durable (the event queued, the message stored).
func (t *Targets) Deliver(ctx context.Context, target string, m Message) error {
	a, err := arn.Parse(target)
	if err != nil {
		return fmt.Errorf("deliver to %q: %w", target, err)
	}
	switch a.Service {
	case "lambda":
		ref, err := lambda.ParseFunctionRef(target, 256)
		if err != nil {
			return err
		}
		return t.Functions.InvokeAsync(ctx, lambda.Scope{Account: a.Account, Region: a.Region}, ref, m.Body)
	case "sqs":
		return t.Queues.Send(ctx, target, m)
	case "sns":
		return t.Topics.Publish(ctx, target, m)
	}
	return fmt.Errorf("deliver to %s: %w", target, ErrUnsupported)
}
