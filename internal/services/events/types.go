package events

import "time"

// Target is a rule's target as PutTargets takes it and ListTargetsByRule
// returns it: where matching events go, what they carry, how failures are
// retried and where undeliverable events go.
type Target struct {
	Id               string            `json:"Id"`
	Arn              string            `json:"Arn"`
	RoleArn          string            `json:"RoleArn,omitempty"`
	Input            string            `json:"Input,omitempty"`
	InputPath        string            `json:"InputPath,omitempty"`
	InputTransformer *InputTransformer `json:"InputTransformer,omitempty"`
	SqsParameters    *SqsParameters    `json:"SqsParameters,omitempty"`
	HttpParameters   *HttpParameters   `json:"HttpParameters,omitempty"`
	RetryPolicy      *RetryPolicy      `json:"RetryPolicy,omitempty"`
	DeadLetterConfig *DeadLetterConfig `json:"DeadLetterConfig,omitempty"`
}

// InputTransformer builds a target's input from values of the event.
type InputTransformer struct {
	InputPathsMap map[string]string `json:"InputPathsMap,omitempty"`
	InputTemplate string            `json:"InputTemplate"`
}

// SqsParameters are a FIFO queue target's message group.
type SqsParameters struct {
	MessageGroupId string `json:"MessageGroupId,omitempty"`
}

// HttpParameters complete an API destination's request: values for the
// endpoint's "*" path segments, headers and query string parameters.
type HttpParameters struct {
	PathParameterValues   []string          `json:"PathParameterValues,omitempty"`
	HeaderParameters      map[string]string `json:"HeaderParameters,omitempty"`
	QueryStringParameters map[string]string `json:"QueryStringParameters,omitempty"`
}

// RetryPolicy bounds the retries of a target's failed deliveries.
type RetryPolicy struct {
	MaximumRetryAttempts     *int32 `json:"MaximumRetryAttempts,omitempty"`
	MaximumEventAgeInSeconds *int32 `json:"MaximumEventAgeInSeconds,omitempty"`
}

// DeadLetterConfig names the SQS queue of events that could not be
// delivered.
type DeadLetterConfig struct {
	Arn string `json:"Arn,omitempty"`
}

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Rule is a rule as DescribeRule and ListRules show it.
type Rule struct {
	Name               string `json:"Name"`
	Arn                string `json:"Arn"`
	EventPattern       string `json:"EventPattern,omitempty"`
	ScheduleExpression string `json:"ScheduleExpression,omitempty"`
	State              string `json:"State"`
	Description        string `json:"Description,omitempty"`
	RoleArn            string `json:"RoleArn,omitempty"`
	ManagedBy          string `json:"ManagedBy,omitempty"`
	EventBusName       string `json:"EventBusName"`
	CreatedBy          string `json:"CreatedBy,omitempty"`
}

// PutRuleInput is PutRule's request.
type PutRuleInput struct {
	Name               string `json:"Name"`
	ScheduleExpression string `json:"ScheduleExpression"`
	EventPattern       string `json:"EventPattern"`
	State              string `json:"State"`
	Description        string `json:"Description"`
	RoleArn            string `json:"RoleArn"`
	Tags               []Tag  `json:"Tags"`
	EventBusName       string `json:"EventBusName"`
}

// FailedEntry is a target PutTargets or RemoveTargets could not apply.
type FailedEntry struct {
	TargetId     string `json:"TargetId"`
	ErrorCode    string `json:"ErrorCode"`
	ErrorMessage string `json:"ErrorMessage"`
}

// Entry is one event of PutEvents.
type Entry struct {
	Time         time.Time
	Source       string
	Resources    []string
	DetailType   string
	Detail       string
	EventBusName string
	TraceHeader  string
}

// EntryResult is what PutEvents says of one entry: its event's id, or why
// it was refused.
type EntryResult struct {
	EventId      string `json:"EventId,omitempty"`
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

// Condition limits a PutPermission grant to an organization.
type Condition struct {
	Type  string `json:"Type"`
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// PutPermissionInput is PutPermission's request.
type PutPermissionInput struct {
	EventBusName string     `json:"EventBusName"`
	Action       string     `json:"Action"`
	Principal    string     `json:"Principal"`
	StatementId  string     `json:"StatementId"`
	Condition    *Condition `json:"Condition"`
	Policy       string     `json:"Policy"`
}
