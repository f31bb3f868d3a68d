package integrations

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/sns"
	"github.com/nubo-dev/nubo/internal/services/sqs"
)

// Queues sends SQS messages (sqs.Service).
type Queues interface {
	Account() string
	Send(ctx context.Context, ref sqs.Ref, entries []sqs.SendInput) ([]sqs.SendResult, []error, error)
}

// Topics publishes SNS messages (sns.Service).
type Topics interface {
	PublishMessage(ctx context.Context, topicARN string, in *sns.PublishInput) (sns.PublishResult, error)
}

// attribute is a MessageAttributeValue of SQS and SNS.
type attribute struct {
	DataType    string `json:"DataType"`
	StringValue string `json:"StringValue"`
	BinaryValue []byte `json:"BinaryValue"`
}

type sendMessageParams struct {
	QueueUrl               string               `json:"QueueUrl"`
	MessageBody            json.RawMessage      `json:"MessageBody"`
	DelaySeconds           *int                 `json:"DelaySeconds"`
	MessageAttributes      map[string]attribute `json:"MessageAttributes"`
	MessageGroupId         string               `json:"MessageGroupId"`
	MessageDeduplicationId string               `json:"MessageDeduplicationId"`
}

type sendMessageOutput struct {
	MD5OfMessageBody       string `json:"MD5OfMessageBody"`
	MD5OfMessageAttributes string `json:"MD5OfMessageAttributes,omitempty"`
	MessageId              string `json:"MessageId"`
	SequenceNumber         string `json:"SequenceNumber,omitempty"`
}

// sendMessage is sqs:sendMessage: MessageBody may be JSON, which is sent
// serialised.
func (s *Services) sendMessage(ctx context.Context, t *task) (json.RawMessage, error) {
	if s.Queues == nil {
		return nil, missing("SQS")
	}
	id := newRequestID()
	var p sendMessageParams
	if err := params(t, &p); err != nil {
		return nil, err
	}
	ref, err := queueRef(s.Queues.Account(), t.Region, p.QueueUrl)
	if err != nil {
		return nil, sqsService.failure(t, id, err)
	}
	queue := arn.New("sqs", ref.Region, s.Queues.Account(), ref.Name).String()
	if err := s.allow(ctx, t, sqsService, id, "sqs:SendMessage", queue); err != nil {
		return nil, err
	}
	body, ok := text(p.MessageBody)
	if !ok {
		return nil, sqsService.failure(t, id, awserr.New(sqs.ErrMissingParameter, "The request must contain the parameter MessageBody."))
	}
	in := sqs.SendInput{Body: body, DelaySeconds: p.DelaySeconds, GroupID: p.MessageGroupId, DeduplicationID: p.MessageDeduplicationId}
	if len(p.MessageAttributes) > 0 {
		in.Attributes = make(map[string]sqs.MessageAttribute, len(p.MessageAttributes))
		for k, a := range p.MessageAttributes {
			in.Attributes[k] = sqs.MessageAttribute(a)
		}
	}
	res, errs, err := s.Queues.Send(ctx, ref, []sqs.SendInput{in})
	if err == nil {
		err = errs[0]
	}
	if err != nil {
		return nil, sqsService.failure(t, id, err)
	}
	r := res[0]
	out := sendMessageOutput{MD5OfMessageBody: r.MD5OfBody, MD5OfMessageAttributes: r.MD5OfAttributes, MessageId: r.MessageID, SequenceNumber: r.SequenceNumber}
	return result(t, id, response{out: out, contentType: "application/x-amz-json-1.0"})
}

// queueRef reads a queue URL (http://HOST/ACCOUNT/NAME); the queue is in
// the execution's region unless the host names another
// (sqs.REGION.amazonaws.com).
func queueRef(account, region, queueURL string) (sqs.Ref, error) {
	if queueURL == "" {
		return sqs.Ref{}, awserr.New(sqs.ErrMissingParameter, "The request must contain the parameter QueueUrl.")
	}
	ref := sqs.Ref{Region: region}
	path := queueURL
	if u, err := url.Parse(queueURL); err == nil && u.Path != "" {
		path = u.Path
		if host, ok := strings.CutPrefix(u.Hostname(), "sqs."); ok {
			if r, _, ok := strings.Cut(host, "."); ok {
				ref.Region = r
			}
		}
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) != 2 || parts[0] != account {
		return ref, awserr.New(sqs.ErrQueueDoesNotExist, "The specified queue does not exist.")
	}
	ref.Name = parts[1]
	return ref, nil
}

type publishParams struct {
	TopicArn               string               `json:"TopicArn"`
	TargetArn              string               `json:"TargetArn"`
	PhoneNumber            string               `json:"PhoneNumber"`
	Message                json.RawMessage      `json:"Message"`
	Subject                string               `json:"Subject"`
	MessageStructure       string               `json:"MessageStructure"`
	MessageAttributes      map[string]attribute `json:"MessageAttributes"`
	MessageGroupId         string               `json:"MessageGroupId"`
	MessageDeduplicationId string               `json:"MessageDeduplicationId"`
}

type publishOutput struct {
	MessageId      string `json:"MessageId"`
	SequenceNumber string `json:"SequenceNumber,omitempty"`
}

// publish is sns:publish: Message may be JSON, which is published
// serialised.
func (s *Services) publish(ctx context.Context, t *task) (json.RawMessage, error) {
	if s.Topics == nil {
		return nil, missing("SNS")
	}
	id := newRequestID()
	var p publishParams
	if err := params(t, &p); err != nil {
		return nil, err
	}
	topic := p.TopicArn
	if topic == "" {
		topic = p.TargetArn
	}
	if topic == "" {
		msg := "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter"
		if p.PhoneNumber != "" {
			msg = "Invalid parameter: PhoneNumber Reason: nubo does not send SMS"
		}
		return nil, snsService.failure(t, id, awserr.New(sns.ErrInvalidParameter, "%s", msg))
	}
	if err := s.allow(ctx, t, snsService, id, "sns:Publish", topic); err != nil {
		return nil, err
	}
	message, ok := text(p.Message)
	if !ok {
		return nil, snsService.failure(t, id, awserr.New(sns.ErrInvalidParameter, "Invalid parameter: Empty message"))
	}
	in := &sns.PublishInput{Message: message, Subject: p.Subject, MessageStructure: p.MessageStructure,
		GroupID: p.MessageGroupId, DeduplicationID: p.MessageDeduplicationId}
	if len(p.MessageAttributes) > 0 {
		in.Attributes = make(map[string]sns.MessageAttribute, len(p.MessageAttributes))
		for k, a := range p.MessageAttributes {
			in.Attributes[k] = sns.MessageAttribute(a)
		}
	}
	res, err := s.Topics.PublishMessage(ctx, topic, in)
	if err != nil {
		return nil, snsService.failure(t, id, err)
	}
	return result(t, id, response{out: publishOutput{MessageId: res.MessageID, SequenceNumber: res.SequenceNumber}, contentType: "text/xml"})
}
