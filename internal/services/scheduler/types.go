package scheduler

import (
	"net/http"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// Error codes of EventBridge Scheduler (restJson1).
var (
	ErrValidation = &awserr.Code{Name: "ValidationException", Status: http.StatusBadRequest}
	ErrNotFound   = &awserr.Code{Name: "ResourceNotFoundException", Status: http.StatusNotFound}
	ErrConflict   = &awserr.Code{Name: "ConflictException", Status: http.StatusConflict}
	ErrInternal   = &awserr.Code{Name: "InternalServerException", Status: http.StatusInternalServerError}
)

func validation(format string, args ...any) error { return awserr.New(ErrValidation, format, args...) }

// Target is what a schedule invokes, as the API takes and shows it: a
// templated target (a function, queue, topic, event bus or state machine)
// or a universal one (arn:aws:scheduler:::aws-sdk:<service>:<apiAction>).
type Target struct {
	Arn                   string                 `json:"Arn"`
	RoleArn               string                 `json:"RoleArn"`
	Input                 string                 `json:"Input,omitempty"`
	DeadLetterConfig      *DeadLetterConfig      `json:"DeadLetterConfig,omitempty"`
	RetryPolicy           *RetryPolicy           `json:"RetryPolicy,omitempty"`
	EventBridgeParameters *EventBridgeParameters `json:"EventBridgeParameters,omitempty"`
	SqsParameters         *SqsParameters         `json:"SqsParameters,omitempty"`
}

// DeadLetterConfig names the SQS queue of invocations that failed.
type DeadLetterConfig struct {
	Arn string `json:"Arn,omitempty"`
}

// RetryPolicy bounds the retries of a failed invocation.
type RetryPolicy struct {
	MaximumEventAgeInSeconds *int32 `json:"MaximumEventAgeInSeconds,omitempty"`
	MaximumRetryAttempts     *int32 `json:"MaximumRetryAttempts,omitempty"`
}

// EventBridgeParameters are the event an event bus target gets: its
// detail-type and source (its detail is the Input).
type EventBridgeParameters struct {
	DetailType string `json:"DetailType"`
	Source     string `json:"Source"`
}

// SqsParameters are a FIFO queue target's message group.
type SqsParameters struct {
	MessageGroupId string `json:"MessageGroupId,omitempty"`
}

// FlexibleTimeWindow lets a schedule's invocations come up to
// MaximumWindowInMinutes after their time.
type FlexibleTimeWindow struct {
	Mode                   string `json:"Mode"`
	MaximumWindowInMinutes *int32 `json:"MaximumWindowInMinutes,omitempty"`
}

// Schedule is a schedule as CreateSchedule and UpdateSchedule take it and
// GetSchedule shows it.
type Schedule struct {
	Name                       string             `json:"name"`
	GroupName                  string             `json:"group"`
	Description                string             `json:"description,omitempty"`
	ScheduleExpression         string             `json:"expr"`
	ScheduleExpressionTimezone string             `json:"tz,omitempty"`
	StartDate                  time.Time          `json:"start,omitzero"`
	EndDate                    time.Time          `json:"end,omitzero"`
	State                      string             `json:"state"`
	ActionAfterCompletion      string             `json:"after,omitempty"`
	FlexibleTimeWindow         FlexibleTimeWindow `json:"window"`
	Target                     Target             `json:"target"`
	KmsKeyArn                  string             `json:"-"`
	// Arn, CreationDate and LastModificationDate are set by the service.
	Arn                  string    `json:"-"`
	CreationDate         time.Time `json:"created"`
	LastModificationDate time.Time `json:"modified"`
}

// Group is a schedule group.
type Group struct {
	Name                 string            `json:"name"`
	Arn                  string            `json:"-"`
	State                string            `json:"-"`
	Tags                 map[string]string `json:"tags,omitempty"`
	CreationDate         time.Time         `json:"created"`
	LastModificationDate time.Time         `json:"modified"`
}

// Tag is a schedule group's tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}
