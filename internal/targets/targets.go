// Package targets delivers a message to the resource an ARN names: a Lambda
// function (as an asynchronous invocation), an SQS queue, an SNS topic or
// an EventBridge bus.
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

// Topics publishes messages to SNS topics, named by ARN.
type Topics interface {
	Publish(ctx context.Context, topicARN string, m Message) error
}

// Buses puts events on EventBridge event buses, named by ARN; the
// message is a whole EventBridge event (version, id, detail-type, source,
// account, time, region, resources, detail).
type Buses interface {
	PutEvent(ctx context.Context, busARN string, event []byte) error
}

// Targets delivers messages. Set the services before the first delivery;
// Buses stays nil until nubo serves EventBridge (events are then
// ErrUnsupported).
type Targets struct {
	Functions Functions
	Queues    Queues
	Topics    Topics
	Buses     Buses
}

// ErrUnsupported is returned for an ARN of a kind nubo cannot deliver to.
var ErrUnsupported = errors.New("targets: nubo cannot deliver to this ARN")

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
	case "events":
		if t.Buses != nil {
			return t.Buses.PutEvent(ctx, target, m.Body)
		}
	}
	return fmt.Errorf("deliver to %s: %w", target, ErrUnsupported)
}
