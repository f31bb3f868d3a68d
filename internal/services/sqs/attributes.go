package sqs

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/iam/policy"
)

// Queue attribute names.
const (
	attrDelaySeconds                  = "DelaySeconds"
	attrMaximumMessageSize            = "MaximumMessageSize"
	attrMessageRetentionPeriod        = "MessageRetentionPeriod"
	attrReceiveMessageWaitTimeSeconds = "ReceiveMessageWaitTimeSeconds"
	attrVisibilityTimeout             = "VisibilityTimeout"
	attrRedrivePolicy                 = "RedrivePolicy"
	attrRedriveAllowPolicy            = "RedriveAllowPolicy"
	attrFifoQueue                     = "FifoQueue"
	attrContentBasedDeduplication     = "ContentBasedDeduplication"
	attrDeduplicationScope            = "DeduplicationScope"
	attrFifoThroughputLimit           = "FifoThroughputLimit"
	attrPolicy                        = "Policy"
	attrSqsManagedSseEnabled          = "SqsManagedSseEnabled"
	attrQueueArn                      = "QueueArn"
	attrCreatedTimestamp              = "CreatedTimestamp"
	attrLastModifiedTimestamp         = "LastModifiedTimestamp"
	attrApproximateNumberOfMessages   = "ApproximateNumberOfMessages"
	attrApproximateNotVisible         = "ApproximateNumberOfMessagesNotVisible"
	attrApproximateDelayed            = "ApproximateNumberOfMessagesDelayed"
)

// readOnlyAttributes are computed; GetQueueAttributes returns them and
// CreateQueue and SetQueueAttributes refuse them.
var readOnlyAttributes = []string{attrQueueArn, attrCreatedTimestamp, attrLastModifiedTimestamp,
	attrApproximateNumberOfMessages, attrApproximateNotVisible, attrApproximateDelayed}

// defaults are the settable attributes every queue shows.
var defaults = map[string]string{
	attrDelaySeconds:                  "0",
	attrMaximumMessageSize:            strconv.Itoa(defaultMaxMessage),
	attrMessageRetentionPeriod:        "345600",
	attrReceiveMessageWaitTimeSeconds: "0",
	attrVisibilityTimeout:             "30",
	attrSqsManagedSseEnabled:          "true",
}

// fifoDefaults are the FIFO-only attributes a FIFO queue shows.
var fifoDefaults = map[string]string{
	attrContentBasedDeduplication: "false",
	attrDeduplicationScope:        "queue",
	attrFifoThroughputLimit:       "perQueue",
}

// intRanges are the settable integer attributes and their ranges.
var intRanges = map[string][2]int{
	attrDelaySeconds:                  {0, maxDelaySeconds},
	attrMaximumMessageSize:            {1024, defaultMaxMessage},
	attrMessageRetentionPeriod:        {60, 1209600},
	attrReceiveMessageWaitTimeSeconds: {0, maxWaitSeconds},
	attrVisibilityTimeout:             {0, maxVisibility},
}

// config is a queue's settings parsed from its attributes.
type config struct {
	delay, maxSize, retention, wait, visibility int
	contentDedup                                bool
	redrive                                     *redrivePolicy
	allow                                       *redriveAllowPolicy
}

type redrivePolicy struct {
	DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	MaxReceiveCount     int    `json:"maxReceiveCount"`
}

type redriveAllowPolicy struct {
	RedrivePermission string   `json:"redrivePermission"`
	SourceQueueArns   []string `json:"sourceQueueArns"`
}

func invalidAttributeValue(name string) error {
	return awserr.New(ErrInvalidAttributeValue, "Invalid value for the parameter %s.", name)
}

// checkAttributes validates attributes given to CreateQueue or
// SetQueueAttributes for a queue of the given kind. lookup finds a queue
// by ARN (for dead-letter targets).
func checkAttributes(attrs map[string]string, fifo, creating bool) error {
	for name, v := range attrs {
		if r, ok := intRanges[name]; ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < r[0] || n > r[1] {
				return invalidAttributeValue(name)
			}
			continue
		}
		switch name {
		case attrRedrivePolicy:
			if v == "" {
				continue // removes the policy
			}
			if _, err := parseRedrive(v); err != nil {
				return err
			}
		case attrRedriveAllowPolicy:
			if v == "" {
				continue
			}
			if _, err := parseRedriveAllow(v); err != nil {
				return err
			}
		case attrPolicy:
			if _, err := policy.Parse(v, policy.Resource); v != "" && err != nil {
				return invalidAttributeValue(name)
			}
		case attrSqsManagedSseEnabled:
			if v != "true" && v != "false" {
				return invalidAttributeValue(name)
			}
		case attrFifoQueue:
			if !creating {
				return invalidAttributeValue(name) // a queue's kind cannot change
			}
			if v != "true" && v != "false" {
				return invalidAttributeValue(name)
			}
		case attrContentBasedDeduplication, attrDeduplicationScope, attrFifoThroughputLimit:
			if !fifo {
				return awserr.New(ErrInvalidAttributeName, "Unknown Attribute %s.", name)
			}
			ok := map[string][]string{
				attrContentBasedDeduplication: {"true", "false"},
				attrDeduplicationScope:        {"queue", "messageGroup"},
				attrFifoThroughputLimit:       {"perQueue", "perMessageGroupId"},
			}[name]
			if v != ok[0] && v != ok[1] {
				return invalidAttributeValue(name)
			}
		default:
			return awserr.New(ErrInvalidAttributeName, "Unknown Attribute %s.", name)
		}
	}
	return nil
}

func parseRedrive(v string) (*redrivePolicy, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(v), &raw); err != nil {
		return nil, invalidParameter(attrRedrivePolicy, v, "Redrive policy is not a valid JSON map.")
	}
	var p redrivePolicy
	if err := json.Unmarshal(raw["deadLetterTargetArn"], &p.DeadLetterTargetArn); err != nil || p.DeadLetterTargetArn == "" {
		return nil, invalidParameter(attrRedrivePolicy, v, "Redrive policy does not contain mandatory attribute: deadLetterTargetArn.")
	}
	// maxReceiveCount may be a number or a string holding one.
	mrc := strings.Trim(string(raw["maxReceiveCount"]), `"`)
	n, err := strconv.Atoi(mrc)
	if mrc == "" {
		return nil, invalidParameter(attrRedrivePolicy, v, "Redrive policy does not contain mandatory attribute: maxReceiveCount.")
	}
	if err != nil || n < 1 || n > 1000 {
		return nil, invalidParameter(attrRedrivePolicy, v, "Invalid value for maxReceiveCount: "+mrc+", valid values are from 1 to 1000 both inclusive.")
	}
	p.MaxReceiveCount = n
	for k := range raw {
		if k != "deadLetterTargetArn" && k != "maxReceiveCount" {
			return nil, invalidParameter(attrRedrivePolicy, v, "Only following attributes are supported: [deadLetterTargetArn, maxReceiveCount].")
		}
	}
	return &p, nil
}

func parseRedriveAllow(v string) (*redriveAllowPolicy, error) {
	var p redriveAllowPolicy
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return nil, invalidParameter(attrRedriveAllowPolicy, v, "Amazon SQS can't create the redrive allow policy, as it's in an unsupported format.")
	}
	switch p.RedrivePermission {
	case "allowAll", "denyAll":
		if len(p.SourceQueueArns) > 0 {
			return nil, invalidParameter(attrRedriveAllowPolicy, v, "Amazon SQS can't create the redrive allow policy. To specify one or more source queues, you must set redrivePermission to byQueue.")
		}
	case "byQueue":
		if len(p.SourceQueueArns) == 0 || len(p.SourceQueueArns) > 10 {
			return nil, invalidParameter(attrRedriveAllowPolicy, v, "Amazon SQS can't create the redrive allow policy. When you specify the byQueue permission type, you must also specify one or more sourceQueueArns values (up to 10).")
		}
	default:
		return nil, invalidParameter(attrRedriveAllowPolicy, v, "Amazon SQS can't create the redrive allow policy. redrivePermission must be one of: allowAll, denyAll, byQueue.")
	}
	return &p, nil
}

// allows reports whether a dead-letter queue with this policy accepts
// messages from sourceARN.
func (p *redriveAllowPolicy) allows(sourceARN string) bool {
	if p == nil || p.RedrivePermission == "allowAll" {
		return true
	}
	if p.RedrivePermission == "denyAll" {
		return false
	}
	for _, a := range p.SourceQueueArns {
		if a == sourceARN {
			return true
		}
	}
	return false
}

// parseConfig reads a queue's stored attributes (already validated).
func parseConfig(attrs map[string]string) config {
	num := func(name string) int {
		v, ok := attrs[name]
		if !ok {
			v = defaults[name]
		}
		n, _ := strconv.Atoi(v)
		return n
	}
	c := config{
		delay:        num(attrDelaySeconds),
		maxSize:      num(attrMaximumMessageSize),
		retention:    num(attrMessageRetentionPeriod),
		wait:         num(attrReceiveMessageWaitTimeSeconds),
		visibility:   num(attrVisibilityTimeout),
		contentDedup: attrs[attrContentBasedDeduplication] == "true",
	}
	if v := attrs[attrRedrivePolicy]; v != "" {
		c.redrive, _ = parseRedrive(v)
	}
	if v := attrs[attrRedriveAllowPolicy]; v != "" {
		c.allow, _ = parseRedriveAllow(v)
	}
	return c
}

// canonical returns v as GetQueueAttributes shows it (RedrivePolicy with a
// numeric maxReceiveCount, compact JSON).
func canonical(name, v string) string {
	if name == attrRedrivePolicy && v != "" {
		if p, err := parseRedrive(v); err == nil {
			b, _ := json.Marshal(p)
			return string(b)
		}
	}
	return v
}
