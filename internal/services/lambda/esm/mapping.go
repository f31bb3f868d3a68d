// Package esm runs Lambda event source mappings: the
// CreateEventSourceMapping family of the Lambda API, stored durably, and a
// poller per enabled mapping. A queue's poller (poller.go, process.go)
// receives batches, filters them, invokes the function synchronously with
// the SQS event, deletes what succeeded and leaves failures to come back
// after their visibility timeout (and to reach the queue's dead-letter
// queue after maxReceiveCount); it scales with the backlog up to the
// mapping's maximum concurrency. A stream's poller (stream*.go) reads each
// shard from a durable checkpoint, in order per key, with retries,
// bisection, destinations and tumbling windows. Pollers are restarted
// with nubo. In a cluster every node follows the mappings, and each
// stream mapping is read by one node (cluster.go).
package esm

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/nubo-dev/nubo/internal/eventfilter"
	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// Configuration is an EventSourceMappingConfiguration as the Lambda API
// serialises it.
type Configuration struct {
	UUID                           string          `json:"UUID"`
	BatchSize                      int             `json:"BatchSize"`
	MaximumBatchingWindowInSeconds int             `json:"MaximumBatchingWindowInSeconds"`
	EventSourceArn                 string          `json:"EventSourceArn"`
	FunctionArn                    string          `json:"FunctionArn"`
	LastModified                   epoch           `json:"LastModified"`
	LastProcessingResult           string          `json:"LastProcessingResult"`
	State                          string          `json:"State"`
	StateTransitionReason          string          `json:"StateTransitionReason"`
	FunctionResponseTypes          []string        `json:"FunctionResponseTypes"`
	FilterCriteria                 *FilterCriteria `json:"FilterCriteria,omitempty"`
	ScalingConfig                  *ScalingConfig  `json:"ScalingConfig,omitempty"`
	EventSourceMappingArn          string          `json:"EventSourceMappingArn"`
	// Members of stream sources (DynamoDB Streams), absent for queues.
	StartingPosition           string             `json:"StartingPosition,omitempty"`
	StartingPositionTimestamp  *epoch             `json:"StartingPositionTimestamp,omitempty"`
	ParallelizationFactor      *int               `json:"ParallelizationFactor,omitempty"`
	BisectBatchOnFunctionError *bool              `json:"BisectBatchOnFunctionError,omitempty"`
	MaximumRetryAttempts       *int               `json:"MaximumRetryAttempts,omitempty"`
	MaximumRecordAgeInSeconds  *int               `json:"MaximumRecordAgeInSeconds,omitempty"`
	TumblingWindowInSeconds    *int               `json:"TumblingWindowInSeconds,omitempty"`
	DestinationConfig          *DestinationConfig `json:"DestinationConfig,omitempty"`
}

// DestinationConfig is where a stream mapping sends the records it gives
// up on.
type DestinationConfig struct {
	OnFailure *OnFailure `json:"OnFailure,omitempty"`
}

// OnFailure names an SQS queue or SNS topic.
type OnFailure struct {
	Destination string `json:"Destination,omitempty"`
}

// FilterCriteria holds up to five event filters; a message is processed
// when any of them matches.
type FilterCriteria struct {
	Filters []Filter `json:"Filters"`
}

// Filter is one event pattern.
type Filter struct {
	Pattern string `json:"Pattern,omitempty"`
}

// ScalingConfig bounds a mapping's concurrent invocations.
type ScalingConfig struct {
	MaximumConcurrency *int `json:"MaximumConcurrency,omitempty"`
}

// epoch is a time as the Lambda API writes it for mappings: seconds since
// the epoch, with a fraction.
type epoch time.Time

func (e epoch) MarshalJSON() ([]byte, error) {
	t := time.Time(e)
	return []byte(fmt.Sprintf("%.3f", float64(t.UnixMilli())/1000)), nil
}

func (e *epoch) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	sec, frac := math.Modf(f)
	*e = epoch(time.Unix(int64(sec), int64(frac*1e9)))
	return nil
}

// Input is a Create or Update request; nil members are not given.
type Input struct {
	FunctionName                   *string
	EventSourceArn                 *string
	Enabled                        *bool
	BatchSize                      *int
	MaximumBatchingWindowInSeconds *int
	FunctionResponseTypes          *[]string
	FilterCriteria                 *FilterCriteria
	ScalingConfig                  *ScalingConfig
	StartingPosition               *string
	StartingPositionTimestamp      *epoch
	// Members of stream sources, which SQS mappings refuse.
	ParallelizationFactor      *int
	BisectBatchOnFunctionError *bool
	MaximumRetryAttempts       *int
	MaximumRecordAgeInSeconds  *int
	TumblingWindowInSeconds    *int
	DestinationConfig          *DestinationConfig
	// Members of other event sources.
	Topics json.RawMessage
	Queues json.RawMessage
}

// mapping is a stored mapping: its configuration, the scope it acts in,
// whether it is enabled, and the function as the user named it.
type mapping struct {
	Config   Configuration      `json:"config"`
	Scope    lambda.Scope       `json:"scope"`
	Function lambda.FunctionRef `json:"function"`
	Enabled  bool               `json:"enabled"`
	Created  time.Time          `json:"created"`
	// rev is the revision of the stored record this is.
	rev uint64
}

// filters compiles a mapping's filter patterns (validated when stored).
func (m *mapping) filters() []*eventfilter.Pattern {
	if m.Config.FilterCriteria == nil {
		return nil
	}
	var out []*eventfilter.Pattern
	for _, f := range m.Config.FilterCriteria.Filters {
		if p, err := eventfilter.Compile([]byte(f.Pattern)); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// concurrency is how many batches the mapping may process at once.
func (m *mapping) concurrency() int {
	if s := m.Config.ScalingConfig; s != nil && s.MaximumConcurrency != nil {
		return *s.MaximumConcurrency
	}
	return defaultConcurrency
}

// defaultConcurrency bounds a mapping without ScalingConfig (AWS scales
// SQS pollers up to 1,250 concurrent invocations).
const defaultConcurrency = 1250

func (m *mapping) reportsFailures() bool {
	for _, t := range m.Config.FunctionResponseTypes {
		if t == "ReportBatchItemFailures" {
			return true
		}
	}
	return false
}

// States of a mapping.
const (
	StateCreating  = "Creating"
	StateEnabled   = "Enabled"
	StateDisabled  = "Disabled"
	StateUpdating  = "Updating"
	StateDeleting  = "Deleting"
	StateEnabling  = "Enabling"
	StateDisabling = "Disabling"
)
