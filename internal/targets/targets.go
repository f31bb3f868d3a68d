// Package targets delivers a message to the resource an ARN names: a Lambda
// function (as an asynchronous invocation), an SQS queue, an SNS topic, an
// EventBridge event bus, a CloudWatch Logs log group or a Step Functions
// state machine (a new execution). Asynchronous invocation destinations and
// dead-letter queues, SNS subscriptions, S3 notifications, EventBridge rules'
// targets and EventBridge Scheduler's schedules deliver through it, so that
// reading target ARNs and each kind of target's checks and errors live in
// one place. Every delivery names its Source (a service principal such as
// "events.amazonaws.com" with the source's ARN, or a role), which the
// target's resource policy must allow (Allow). The services themselves are
// reached through small interfaces that the composition root fills in.
package targets

import (
	"context"
	"errors"
	"fmt"
	"time"

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
	// ID identifies the message (an EventBridge event's id): a log group
	// gets it in a log stream of that name, as EventBridge names them.
	ID string
	// Time is when the message's event happened (a log event's timestamp);
	// zero is now.
	Time time.Time
	// Source is who delivers it, whom the target must allow; a delivery
	// without one is nubo's own and is not checked.
	Source Source
}

// Source is who delivers a message: an AWS service on its own behalf
// (SNS delivering a topic's message is "sns.amazonaws.com" with the
// topic's ARN and account, which the target's resource policy must allow,
// usually on the condition aws:SourceArn), or a role's session (Lambda
// sends a function's destination records as the function's execution
// role, whose policies must allow it; EventBridge and Scheduler deliver
// as the role a target names, which must trust them: AssumedBy).
type Source struct {
	Service, ARN, Account string
	Role, Session         string
	// AssumedBy is the service that assumes Role for the delivery
	// ("events.amazonaws.com"), which the role's trust policy must let
	// in; "" for a role trusted already (a function's execution role).
	AssumedBy string
}

// Allow decides whether a source may perform action on a target
// ("sqs:SendMessage" on a queue ARN), as the target's resource policy and
// the source's own policies say. A refusal wraps ErrDenied.
type Allow func(ctx context.Context, src Source, action, target string) error

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

// Buses puts events on EventBridge event buses, named by ARN; the body is
// the event's JSON envelope.
type Buses interface {
	PutEvent(ctx context.Context, busARN string, m Message) error
}

// LogGroups writes messages to CloudWatch Logs log groups, named by ARN.
type LogGroups interface {
	Write(ctx context.Context, groupARN string, m Message) error
}

// StateMachines starts executions of Step Functions state machines, named
// by ARN, with the body as their input.
type StateMachines interface {
	StartExecution(ctx context.Context, stateMachineARN string, m Message) error
}

// Targets delivers messages. Set the services before the first delivery;
// a kind whose service is nil is unsupported.
type Targets struct {
	Functions     Functions
	Queues        Queues
	Topics        Topics
	Buses         Buses
	LogGroups     LogGroups
	StateMachines StateMachines
	// Allow, when set, is asked before every delivery; nil delivers
	// everything (--auth none).
	Allow Allow
}

// actions are the IAM actions a delivery performs, by the target's
// service.
var actions = map[string]string{"lambda": "lambda:InvokeFunction", "sqs": "sqs:SendMessage", "sns": "sns:Publish",
	"events": "events:PutEvents", "logs": "logs:PutLogEvents", "states": "states:StartExecution"}

// Action is the IAM action a delivery to target performs
// ("sqs:SendMessage" for a queue), "" for an ARN nubo does not deliver to.
func Action(target string) string {
	a, err := arn.Parse(target)
	if err != nil {
		return ""
	}
	return actions[a.Service]
}

var (
	// ErrUnsupported is returned for an ARN of a kind nubo cannot deliver
	// to.
	ErrUnsupported = errors.New("targets: nubo cannot deliver to this ARN")
	// ErrNotFound wraps the error of a delivery to a resource that does
	// not exist, which retrying will not fix.
	ErrNotFound = errors.New("targets: no such resource")
	// ErrDenied wraps the error of a delivery the target's policies (or
	// the source's) do not allow, which retrying will not fix.
	ErrDenied = errors.New("targets: not allowed")
)

// DeliverAll delivers each message to the resource its target names, as
// Deliver does, and returns each one's error (nil, or nil errors, when all
// went). Messages to queues go together when Queues is a QueueBatches: an
// SNS message to ten subscribed queues is then one store.
func (t *Targets) DeliverAll(ctx context.Context, targets []string, ms []Message) []error {
	errs := make([]error, len(ms))
	var queued []int
	batches, ok := t.Queues.(QueueBatches)
	for i, target := range targets {
		a, err := arn.Parse(target)
		if !ok || err != nil || a.Service != "sqs" {
			errs[i] = t.Deliver(ctx, target, ms[i])
			continue
		}
		if errs[i] = t.allow(ctx, ms[i].Source, a.Service, target); errs[i] == nil {
			queued = append(queued, i)
		}
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

// allow asks Allow whether src may deliver to target, a resource of
// service.
func (t *Targets) allow(ctx context.Context, src Source, service, target string) error {
	if action, ok := actions[service]; ok && t.Allow != nil {
		if err := t.Allow(ctx, src, action, target); err != nil {
			return fmt.Errorf("deliver to %s: %w", target, err)
		}
	}
	return nil
}

// Deliver delivers m to the resource target names, and returns once the
// delivery is durable (the event queued, the message stored).
func (t *Targets) Deliver(ctx context.Context, target string, m Message) error {
	a, err := arn.Parse(target)
	if err != nil {
		return fmt.Errorf("deliver to %q: %w", target, err)
	}
	if err := t.allow(ctx, m.Source, a.Service, target); err != nil {
		return err
	}
	typ, _ := a.ResourceType()
	switch {
	case a.Service == "lambda":
		ref, err := lambda.ParseFunctionRef(target, 256)
		if err != nil {
			return err
		}
		err = t.Functions.InvokeAsync(ctx, lambda.Scope{Account: a.Account, Region: a.Region}, ref, m.Body)
		if errors.Is(err, lambda.ErrResourceNotFound) {
			return fmt.Errorf("%w: %w", ErrNotFound, err)
		}
		return err
	case a.Service == "sqs":
		return t.Queues.Send(ctx, target, m)
	case a.Service == "sns":
		return t.Topics.Publish(ctx, target, m)
	case a.Service == "events" && typ == "event-bus" && t.Buses != nil:
		return t.Buses.PutEvent(ctx, target, m)
	case a.Service == "logs" && typ == "log-group" && t.LogGroups != nil:
		return t.LogGroups.Write(ctx, target, m)
	case a.Service == "states" && typ == "stateMachine" && t.StateMachines != nil:
		return t.StateMachines.StartExecution(ctx, target, m)
	}
	return fmt.Errorf("deliver to %s: %w", target, ErrUnsupported)
}
