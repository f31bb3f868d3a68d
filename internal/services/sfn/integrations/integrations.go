// Package integrations runs the Task resources of Step Functions that
// belong to other services, over nubo's own domains: Lambda (the optimised
// lambda:invoke, its .waitForTaskToken form, and bare function ARNs), SQS
// sendMessage, SNS publish, DynamoDB getItem, putItem, updateItem and
// deleteItem, EventBridge putEvents, API Gateway invoke, and the aws-sdk:*
// forms of those and of Step Functions itself. The services are reached
// through small interfaces that the composition root fills in; a service
// nubo does not serve yet fails its tasks with a cause that says so.
//
// Results and failures are shaped as Step Functions reports them. An
// optimised integration answers the API's output with SdkHttpMetadata and
// SdkResponseMetadata, and names a failure "<Service>.<Exception>" as the
// AWS SDK for Java v1 classes it (DynamoDB.ConditionalCheckFailedException,
// SQS.AmazonSQSException for a code the SDK does not model) with that SDK's
// cause text; an aws-sdk integration answers the API's output alone and
// names failures as the SDK for Java v2 does (DynamoDb.DynamoDbException).
package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/services/sfn"
	"github.com/nubo-dev/nubo/internal/targets"
)

// Services are what Task states reach. A nil service's tasks fail with a
// cause naming what is missing.
type Services struct {
	Functions     Functions
	Async         AsyncFunctions
	Queues        Queues
	Topics        Topics
	Tables        Tables
	Events        Events
	APIs          APIs
	StepFunctions StepFunctions
	// Allow decides whether a task's role may make a call (access.go);
	// nil allows every call (nubo without --auth sigv4).
	Allow targets.Allow
}

// task is one attempt as the handlers see it.
type task struct {
	*sfn.TaskRequest
	// sdk is true for aws-sdk:* resources.
	sdk bool
}

type handler func(s *Services, ctx context.Context, t *task) (json.RawMessage, error)

// optimised are the arn:aws:states:::SERVICE:ACTION resources, by
// SERVICE:ACTION; sdk the arn:aws:states:::aws-sdk:SERVICE:ACTION ones.
var (
	optimised = map[string]handler{
		"lambda:invoke":       (*Services).invoke,
		"sqs:sendMessage":     (*Services).sendMessage,
		"sns:publish":         (*Services).publish,
		"dynamodb:getItem":    (*Services).getItem,
		"dynamodb:putItem":    (*Services).putItem,
		"dynamodb:updateItem": (*Services).updateItem,
		"dynamodb:deleteItem": (*Services).deleteItem,
		"events:putEvents":    (*Services).putEvents,
		"apigateway:invoke":   (*Services).invokeAPI,
	}
	sdk = map[string]handler{
		"lambda:invoke":       (*Services).invoke,
		"sqs:sendMessage":     (*Services).sendMessage,
		"sns:publish":         (*Services).publish,
		"dynamodb:getItem":    (*Services).getItem,
		"dynamodb:putItem":    (*Services).putItem,
		"dynamodb:updateItem": (*Services).updateItem,
		"dynamodb:deleteItem": (*Services).deleteItem,
	}
)

// Invoke runs one attempt of a Task state (sfn.Integrations).
func (s *Services) Invoke(ctx context.Context, req *sfn.TaskRequest) (json.RawMessage, error) {
	if _, _, ok := functionARN(req.Resource); ok {
		return s.invokeFunction(ctx, req)
	}
	service, action, pattern, isSDK, err := parseResource(req.Resource)
	if err != nil {
		return nil, err
	}
	if pattern != "" && pattern != "waitForTaskToken" {
		return nil, runtimeError("The resource %s does not support the .%s pattern.", req.Resource, pattern)
	}
	t := &task{TaskRequest: req, sdk: isSDK}
	table := optimised
	if isSDK {
		if service == "sfn" {
			return s.stepFunctions(ctx, t, action)
		}
		table = sdk
	}
	h := table[service+":"+action]
	if h == nil {
		return nil, runtimeError("nubo does not serve the resource %s.", req.Resource)
	}
	return h(s, ctx, t)
}

// functionARN reports whether res is a Lambda function's ARN, and its
// name and qualifier.
func functionARN(res string) (name, qualifier string, ok bool) {
	a, err := arn.Parse(res)
	if err != nil {
		return "", "", false
	}
	return a.Function()
}

// parseResource takes arn:aws:states:::SERVICE:ACTION[.PATTERN] and
// arn:aws:states:::aws-sdk:SERVICE:ACTION[.PATTERN] apart.
func parseResource(res string) (service, action, pattern string, isSDK bool, err error) {
	a, perr := arn.Parse(res)
	if perr != nil || a.Service != "states" || a.Region != "" || a.Account != "" {
		return "", "", "", false, runtimeError("nubo does not serve the resource %s.", res)
	}
	rest := a.Resource
	if r, ok := strings.CutPrefix(rest, "aws-sdk:"); ok {
		rest, isSDK = r, true
	}
	service, action, _ = strings.Cut(rest, ":")
	action, pattern, _ = strings.Cut(action, ".")
	return service, action, pattern, isSDK, nil
}

// runtimeError is a task failure of the execution's own making: a
// resource or parameters nubo cannot run.
func runtimeError(format string, args ...any) error {
	return &sfn.TaskError{Name: "States.Runtime", Cause: fmt.Sprintf(format, args...)}
}

// missing is the failure of a task whose service nubo does not serve yet.
func missing(what string) error {
	return &sfn.TaskError{Name: "States.TaskFailed", Cause: "nubo does not serve " + what + " yet, so Task states cannot call it."}
}

// params decodes a task's parameters into v (member names match
// case-insensitively, as the SDKs' PascalCase names meet AWS's JSON
// names).
func params(t *task, v any) error { return decode(t.Resource, t.Input, v) }

func decode(resource string, raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return runtimeError("The field '%s' of the parameters of %s has the wrong type: %s.", te.Field, resource, te.Value)
		}
		return runtimeError("The parameters of %s are not an object: %v", resource, err)
	}
	return nil
}

// text is a parameter that Step Functions takes as a string or as JSON,
// which it serialises (MessageBody, Message, Detail).
func text(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	return string(raw), true
}
