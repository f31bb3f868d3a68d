package snsapi

import (
	"context"
	"errors"
	"regexp"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/sns"
)

type messageAttribute struct {
	DataType    string `json:"DataType"`
	StringValue string `json:"StringValue"`
	BinaryValue []byte `json:"BinaryValue"`
}

// publishFields are the members Publish and a PublishBatch entry share.
type publishFields struct {
	Message                string                      `json:"Message"`
	Subject                string                      `json:"Subject"`
	MessageStructure       string                      `json:"MessageStructure"`
	MessageAttributes      map[string]messageAttribute `json:"MessageAttributes" query:"MessageAttributes,key=Name,value=Value"`
	MessageDeduplicationId string                      `json:"MessageDeduplicationId"`
	MessageGroupId         string                      `json:"MessageGroupId"`
}

func (f *publishFields) input() *sns.PublishInput {
	var attrs map[string]sns.MessageAttribute
	if len(f.MessageAttributes) > 0 {
		attrs = make(map[string]sns.MessageAttribute, len(f.MessageAttributes))
		for k, a := range f.MessageAttributes {
			attrs[k] = sns.MessageAttribute(a)
		}
	}
	return &sns.PublishInput{Message: f.Message, Subject: f.Subject, MessageStructure: f.MessageStructure,
		Attributes: attrs, GroupID: f.MessageGroupId, DeduplicationID: f.MessageDeduplicationId}
}

type publishInput struct {
	TopicArn    string `json:"TopicArn"`
	TargetArn   string `json:"TargetArn"`
	PhoneNumber string `json:"PhoneNumber"`
	publishFields
}

// Resource is the topic published to.
func (in *publishInput) Resource(ctx context.Context) string {
	if in.TopicArn != "" {
		return in.TopicArn
	}
	return in.TargetArn
}

type publishOutput struct {
	MessageId      string `json:"MessageId"`
	SequenceNumber string `json:"SequenceNumber,omitempty"`
}

func (h handler) publish(ctx context.Context, in *publishInput) (*publishOutput, error) {
	arn := in.TopicArn
	if arn == "" {
		arn = in.TargetArn
	}
	if arn == "" {
		if in.PhoneNumber != "" {
			return nil, awserr.New(sns.ErrInvalidParameter, "Invalid parameter: nubo does not send SMS")
		}
		return nil, awserr.New(sns.ErrInvalidParameter, "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
	}
	res, err := h.svc.PublishMessage(ctx, arn, in.input())
	if err != nil {
		return nil, err
	}
	return &publishOutput{res.MessageID, res.SequenceNumber}, nil
}

type publishBatchEntry struct {
	Id string `json:"Id"`
	publishFields
}

type publishBatchInput struct {
	TopicArn                   string              `json:"TopicArn"`
	PublishBatchRequestEntries []publishBatchEntry `json:"PublishBatchRequestEntries"`
}

func (in *publishBatchInput) Resource(ctx context.Context) string { return in.TopicArn }

type batchSuccess struct {
	Id             string `json:"Id"`
	MessageId      string `json:"MessageId"`
	SequenceNumber string `json:"SequenceNumber,omitempty"`
}

type batchFailure struct {
	Id          string `json:"Id"`
	Code        string `json:"Code"`
	Message     string `json:"Message"`
	SenderFault bool   `json:"SenderFault"`
}

type publishBatchOutput struct {
	Successful []batchSuccess `json:"Successful"`
	Failed     []batchFailure `json:"Failed"`
}

var batchIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

func (h handler) publishBatch(ctx context.Context, in *publishBatchInput) (*publishBatchOutput, error) {
	if err := required("TopicArn", in.TopicArn); err != nil {
		return nil, err
	}
	entries := in.PublishBatchRequestEntries
	switch {
	case len(entries) == 0:
		return nil, awserr.New(sns.ErrEmptyBatch, "The batch request doesn't contain any entries")
	case len(entries) > 10:
		return nil, awserr.New(sns.ErrTooManyEntries, "The batch request contains more entries than permissible")
	}
	seen := map[string]bool{}
	inputs := make([]sns.PublishInput, len(entries))
	for i, e := range entries {
		if !batchIDRE.MatchString(e.Id) {
			return nil, awserr.New(sns.ErrInvalidBatchEntryID, "The Id of a batch entry in a batch request doesn't abide by the specification")
		}
		if seen[e.Id] {
			return nil, awserr.New(sns.ErrBatchIdsNotDistinct, "Two or more batch entries in the request have the same Id")
		}
		seen[e.Id] = true
		inputs[i] = *e.input()
	}
	results, errs, err := h.svc.PublishBatch(ctx, in.TopicArn, inputs)
	if err != nil {
		return nil, err
	}
	out := &publishBatchOutput{Successful: []batchSuccess{}, Failed: []batchFailure{}}
	for i, r := range results {
		if errs[i] == nil {
			out.Successful = append(out.Successful, batchSuccess{entries[i].Id, r.MessageID, r.SequenceNumber})
			continue
		}
		f := batchFailure{Id: entries[i].Id, Code: sns.ErrInternal.Name, Message: errs[i].Error()}
		var e *awserr.Error
		if errors.As(errs[i], &e) {
			f.Code, f.Message, f.SenderFault = e.Code.Name, e.Message, e.Code.Fault() == "Sender"
		}
		out.Failed = append(out.Failed, f)
	}
	return out, nil
}
