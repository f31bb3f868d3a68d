package esm

import (
	"context"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/targets"
)

// Streams is what mappings need of a stream source (DynamoDB Streams now,
// Kinesis later): shards by sequence number, reads, and a wait for new
// records.
type Streams interface {
	Shards(ctx context.Context, arn string) ([]Shard, error)
	// Read returns up to limit records of a shard from sequence number
	// from on, and where the next read starts.
	Read(ctx context.Context, arn string, sh Shard, from uint64, limit int) ([]StreamRecord, uint64, error)
	// Next is the sequence number of the stream's next record (LATEST).
	Next(arn string) (uint64, error)
	// Wait returns a channel closed when the stream has new records.
	Wait(arn string) (<-chan struct{}, error)
}

// Shard is a shard of a stream: its records are [First, End), End 0
// while it is open.
type Shard struct {
	ID, Parent string
	First, End uint64
}

// StreamRecord is one record of a stream.
type StreamRecord struct {
	Seq uint64
	// SeqText is the sequence number as the event and the function's
	// batchItemFailures write it.
	SeqText string
	// Key identifies the item (or partition key) the record is about:
	// records of one key are processed in order.
	Key string
	// Time is when the record was written.
	Time time.Time
	// Data is the record in the event, as JSON.
	Data []byte
}

// Destinations deliver a body to an SQS queue or SNS topic ARN.
type Destinations interface {
	Deliver(ctx context.Context, arn string, m targets.Message) error
}

func isStreamARN(arn string) bool {
	return strings.HasPrefix(arn, "arn:aws:dynamodb:") && strings.Contains(arn, "/stream/")
}

// stream tells whether the mapping reads a stream.
func (m *mapping) stream() bool { return isStreamARN(m.Config.EventSourceArn) }

// refuseStreamMembers refuses the members of stream sources in a queue's
// mapping.
func refuseStreamMembers(in *Input) error {
	for name, given := range map[string]bool{
		"StartingPosition": in.StartingPosition != nil, "ParallelizationFactor": in.ParallelizationFactor != nil,
		"BisectBatchOnFunctionError": in.BisectBatchOnFunctionError != nil, "MaximumRetryAttempts": in.MaximumRetryAttempts != nil,
		"MaximumRecordAgeInSeconds": in.MaximumRecordAgeInSeconds != nil, "TumblingWindowInSeconds": in.TumblingWindowInSeconds != nil,
		"DestinationConfig": in.DestinationConfig != nil, "Topics": len(in.Topics) > 0, "Queues": len(in.Queues) > 0,
	} {
		if given {
			return lambda.Errorf(lambda.ErrInvalidParameterValue, "Unsupported %s parameter for SQS event source.", name)
		}
	}
	return nil
}

// checkStream validates a stream mapping's members and applies them, with
// Lambda's defaults on creation.
func checkStream(in *Input, m *mapping, creating bool) error {
	var v lambda.Validator
	if in.ParallelizationFactor != nil {
		v.Range("parallelizationFactor", *in.ParallelizationFactor, 1, 10)
	}
	if in.MaximumRetryAttempts != nil {
		v.Range("maximumRetryAttempts", *in.MaximumRetryAttempts, -1, 10000)
	}
	if in.MaximumRecordAgeInSeconds != nil {
		v.Range("maximumRecordAgeInSeconds", *in.MaximumRecordAgeInSeconds, -1, 604800)
	}
	if in.TumblingWindowInSeconds != nil {
		v.Range("tumblingWindowInSeconds", *in.TumblingWindowInSeconds, 0, 900)
	}
	if in.StartingPosition != nil {
		v.Enum("startingPosition", *in.StartingPosition, "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if a := in.MaximumRecordAgeInSeconds; a != nil && *a != -1 && *a < 60 {
		return lambda.Errorf(lambda.ErrInvalidParameterValue, "MaximumRecordAgeInSeconds must be -1 or between 60 and 604800.")
	}
	if creating {
		if in.StartingPosition == nil {
			return lambda.Errorf(lambda.ErrInvalidParameterValue, "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null")
		}
		if *in.StartingPosition == "AT_TIMESTAMP" && in.StartingPositionTimestamp == nil {
			return lambda.Errorf(lambda.ErrInvalidParameterValue, "StartingPositionTimestamp must be specified with the AT_TIMESTAMP starting position.")
		}
		m.Config.StartingPosition, m.Config.StartingPositionTimestamp = *in.StartingPosition, in.StartingPositionTimestamp
		m.Config.ParallelizationFactor, m.Config.BisectBatchOnFunctionError = ptr(1), ptr(false)
		m.Config.MaximumRetryAttempts, m.Config.MaximumRecordAgeInSeconds = ptr(-1), ptr(-1)
		m.Config.TumblingWindowInSeconds, m.Config.DestinationConfig = ptr(0), &DestinationConfig{OnFailure: &OnFailure{}}
	} else if in.StartingPosition != nil || in.StartingPositionTimestamp != nil {
		return lambda.Errorf(lambda.ErrInvalidParameterValue, "StartingPosition cannot be updated.")
	}
	set(&m.Config.ParallelizationFactor, in.ParallelizationFactor)
	set(&m.Config.BisectBatchOnFunctionError, in.BisectBatchOnFunctionError)
	set(&m.Config.MaximumRetryAttempts, in.MaximumRetryAttempts)
	set(&m.Config.MaximumRecordAgeInSeconds, in.MaximumRecordAgeInSeconds)
	set(&m.Config.TumblingWindowInSeconds, in.TumblingWindowInSeconds)
	if in.DestinationConfig != nil {
		if d := in.DestinationConfig.OnFailure; d != nil && d.Destination != "" &&
			!strings.HasPrefix(d.Destination, "arn:aws:sqs:") && !strings.HasPrefix(d.Destination, "arn:aws:sns:") {
			return lambda.Errorf(lambda.ErrInvalidParameterValue, "The provided destination config DestinationConfig(onSuccess=null, onFailure=OnFailure(destination=%s)) is invalid.", d.Destination)
		}
		m.Config.DestinationConfig = in.DestinationConfig
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// set copies a given member.
func set[T any](dst **T, v *T) {
	if v != nil {
		*dst = ptr(*v)
	}
}

// streamSettings are a stream mapping's members with their defaults.
type streamSettings struct {
	batch, parallel, retries, maxAge, window int
	bisect, reportFailures                   bool
	batchingWindow                           time.Duration
	onFailure                                string
}

func (m *mapping) streamSettings() streamSettings {
	c := m.Config
	get := func(p *int, def int) int {
		if p == nil {
			return def
		}
		return *p
	}
	st := streamSettings{
		batch: c.BatchSize, parallel: max(1, get(c.ParallelizationFactor, 1)), retries: get(c.MaximumRetryAttempts, -1),
		maxAge: get(c.MaximumRecordAgeInSeconds, -1), window: get(c.TumblingWindowInSeconds, 0),
		bisect: c.BisectBatchOnFunctionError != nil && *c.BisectBatchOnFunctionError, reportFailures: m.reportsFailures(),
		batchingWindow: time.Duration(c.MaximumBatchingWindowInSeconds) * time.Second,
	}
	if d := c.DestinationConfig; d != nil && d.OnFailure != nil {
		st.onFailure = d.OnFailure.Destination
	}
	return st
}
