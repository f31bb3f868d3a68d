package sqsapi

import (
	"context"
	"errors"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/sqs"
)

// messageAttribute is a MessageAttributeValue (BinaryValue is base64 in
// JSON and XML alike).
type messageAttribute struct {
	StringValue      string   `json:"StringValue,omitempty"`
	BinaryValue      []byte   `json:"BinaryValue,omitempty"`
	StringListValues []string `json:"StringListValues,omitempty" query:"StringListValue,flat"`
	BinaryListValues [][]byte `json:"BinaryListValues,omitempty" query:"BinaryListValue,flat"`
	DataType         string   `json:"DataType"`
}

// messageAttributes is a map of them, flattened in the query protocol.
type messageAttributes = map[string]messageAttribute

func toDomain(attrs messageAttributes) (map[string]sqs.MessageAttribute, error) {
	if len(attrs) == 0 {
		return nil, nil
	}
	out := make(map[string]sqs.MessageAttribute, len(attrs))
	for n, a := range attrs {
		if len(a.StringListValues) > 0 || len(a.BinaryListValues) > 0 {
			return nil, awserr.New(sqs.ErrInvalidParameterValue, "Message attribute list values in SendMessage operation are not supported.")
		}
		out[n] = sqs.MessageAttribute{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
	}
	return out, nil
}

func fromDomain(attrs map[string]sqs.MessageAttribute) messageAttributes {
	if len(attrs) == 0 {
		return nil
	}
	out := make(messageAttributes, len(attrs))
	for n, a := range attrs {
		out[n] = messageAttribute{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
	}
	return out
}

type sendEntry struct {
	Id                      string            `json:"Id"`
	MessageBody             string            `json:"MessageBody"`
	DelaySeconds            *int              `json:"DelaySeconds"`
	MessageAttributes       messageAttributes `json:"MessageAttributes" query:"MessageAttribute,flat,key=Name,value=Value"`
	MessageSystemAttributes messageAttributes `json:"MessageSystemAttributes" query:"MessageSystemAttribute,flat,key=Name,value=Value"`
	MessageDeduplicationId  string            `json:"MessageDeduplicationId"`
	MessageGroupId          string            `json:"MessageGroupId"`
}

func (e *sendEntry) input() (sqs.SendInput, error) {
	attrs, err := toDomain(e.MessageAttributes)
	if err != nil {
		return sqs.SendInput{}, err
	}
	system, err := toDomain(e.MessageSystemAttributes)
	if err != nil {
		return sqs.SendInput{}, err
	}
	return sqs.SendInput{Body: e.MessageBody, DelaySeconds: e.DelaySeconds, Attributes: attrs, SystemAttributes: system,
		GroupID: e.MessageGroupId, DeduplicationID: e.MessageDeduplicationId}, nil
}

type sendResult struct {
	Id                           string `json:"Id,omitempty"`
	MessageId                    string `json:"MessageId"`
	MD5OfMessageBody             string `json:"MD5OfMessageBody"`
	MD5OfMessageAttributes       string `json:"MD5OfMessageAttributes,omitempty"`
	MD5OfMessageSystemAttributes string `json:"MD5OfMessageSystemAttributes,omitempty"`
	SequenceNumber               string `json:"SequenceNumber,omitempty"`
}

func resultOf(id string, r sqs.SendResult) sendResult {
	return sendResult{Id: id, MessageId: r.MessageID, MD5OfMessageBody: r.MD5OfBody, MD5OfMessageAttributes: r.MD5OfAttributes,
		MD5OfMessageSystemAttributes: r.MD5OfSystemAttributes, SequenceNumber: r.SequenceNumber}
}

// failure is a BatchResultErrorEntry.
type failure struct {
	Id          string `json:"Id"`
	SenderFault bool   `json:"SenderFault"`
	Code        string `json:"Code"`
	Message     string `json:"Message"`
}

func failureOf(id string, err error) failure {
	var e *awserr.Error
	if !errors.As(err, &e) {
		return failure{Id: id, Code: sqs.ErrInternal.QueryCode(), Message: err.Error()}
	}
	return failure{Id: id, SenderFault: e.Code.Fault() == "Sender", Code: e.Code.QueryCode(), Message: e.Message}
}

type sendMessageInput struct {
	queueRef
	sendEntry
}

func (h handler) sendMessage(ctx context.Context, in *sendMessageInput) (*sendResult, error) {
	ref, err := h.queue(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	msg, err := in.input()
	if err != nil {
		return nil, err
	}
	res, errs, err := h.svc.Send(ctx, ref, []sqs.SendInput{msg})
	if err != nil {
		return nil, err
	}
	if errs[0] != nil {
		return nil, errs[0]
	}
	out := resultOf("", res[0])
	return &out, nil
}

type sendMessageBatchInput struct {
	queueRef
	Entries []sendEntry `json:"Entries" query:"SendMessageBatchRequestEntry,flat"`
}

type sendMessageBatchOutput struct {
	Successful []sendResult `json:"Successful" query:"SendMessageBatchResultEntry,flat"`
	Failed     []failure    `json:"Failed" query:"BatchResultErrorEntry,flat"`
}

func (h handler) sendMessageBatch(ctx context.Context, in *sendMessageBatchInput) (*sendMessageBatchOutput, error) {
	ref, err := h.queue(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(in.Entries))
	for i, e := range in.Entries {
		ids[i] = e.Id
	}
	if err := sqs.CheckBatch(ids); err != nil {
		return nil, err
	}
	out := &sendMessageBatchOutput{Successful: make([]sendResult, 0, len(in.Entries)), Failed: []failure{}}
	msgs := make([]sqs.SendInput, 0, len(in.Entries))
	msgIDs := make([]string, 0, len(in.Entries))
	for _, e := range in.Entries {
		m, err := e.input()
		if err != nil {
			out.Failed = append(out.Failed, failureOf(e.Id, err))
			continue
		}
		msgs = append(msgs, m)
		msgIDs = append(msgIDs, e.Id)
	}
	if err := sqs.CheckBatchSize(msgs); err != nil {
		return nil, err
	}
	res, errs, err := h.svc.Send(ctx, ref, msgs)
	if err != nil {
		return nil, err
	}
	for i := range msgs {
		if errs[i] != nil {
			out.Failed = append(out.Failed, failureOf(msgIDs[i], errs[i]))
		} else {
			out.Successful = append(out.Successful, resultOf(msgIDs[i], res[i]))
		}
	}
	return out, nil
}

type receiveMessageInput struct {
	queueRef
	AttributeNames              []string `json:"AttributeNames" query:"AttributeName,flat"`
	MessageSystemAttributeNames []string `json:"MessageSystemAttributeNames" query:"MessageSystemAttributeName,flat"`
	MessageAttributeNames       []string `json:"MessageAttributeNames" query:"MessageAttributeName,flat"`
	MaxNumberOfMessages         int      `json:"MaxNumberOfMessages"`
	VisibilityTimeout           *int     `json:"VisibilityTimeout"`
	WaitTimeSeconds             *int     `json:"WaitTimeSeconds"`
}

type receivedMessage struct {
	MessageId              string            `json:"MessageId"`
	ReceiptHandle          string            `json:"ReceiptHandle"`
	MD5OfBody              string            `json:"MD5OfBody"`
	Body                   string            `json:"Body"`
	Attributes             map[string]string `json:"Attributes,omitempty" query:"Attribute,flat,key=Name,value=Value"`
	MD5OfMessageAttributes string            `json:"MD5OfMessageAttributes,omitempty"`
	MessageAttributes      messageAttributes `json:"MessageAttributes,omitempty" query:"MessageAttribute,flat,key=Name,value=Value"`
}

type receiveMessageOutput struct {
	Messages []receivedMessage `json:"Messages,omitempty" query:"Message,flat"`
}

func (h handler) receiveMessage(ctx context.Context, in *receiveMessageInput) (*receiveMessageOutput, error) {
	ref, err := h.queue(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	msgs, err := h.svc.Receive(ctx, ref, sqs.ReceiveInput{
		MaxMessages: in.MaxNumberOfMessages, WaitSeconds: in.WaitTimeSeconds, VisibilityTimeout: in.VisibilityTimeout,
		AttributeNames: append(in.AttributeNames, in.MessageSystemAttributeNames...), MessageAttributeNames: in.MessageAttributeNames,
	})
	if err != nil {
		return nil, err
	}
	out := &receiveMessageOutput{Messages: make([]receivedMessage, 0, len(msgs))}
	for _, m := range msgs {
		out.Messages = append(out.Messages, receivedMessage{MessageId: m.MessageID, ReceiptHandle: m.ReceiptHandle, MD5OfBody: m.MD5OfBody,
			Body: m.Body, Attributes: m.Attributes, MD5OfMessageAttributes: m.MD5OfMessageAttributes, MessageAttributes: fromDomain(m.MessageAttributes)})
	}
	return out, nil
}

type deleteMessageInput struct {
	queueRef
	ReceiptHandle string `json:"ReceiptHandle"`
}

func (h handler) deleteMessage(ctx context.Context, in *deleteMessageInput) error {
	ref, err := h.queue(ctx, in.QueueUrl)
	if err != nil {
		return err
	}
	if in.ReceiptHandle == "" {
		return awserr.New(sqs.ErrMissingParameter, "The request must contain the parameter ReceiptHandle.")
	}
	errs, err := h.svc.Delete(ctx, ref, []string{in.ReceiptHandle})
	if err != nil {
		return err
	}
	return errs[0]
}

type entryID struct {
	Id string `json:"Id"`
}

// batchOutput is the output of DeleteMessageBatch and
// ChangeMessageVisibilityBatch; the query protocol names its entries
// after the operation.
type batchOutput struct {
	Successful []entryID `json:"Successful"`
	Failed     []failure `json:"Failed" query:"BatchResultErrorEntry,flat"`
}

type deleteMessageBatchOutput struct {
	Successful []entryID `json:"Successful" query:"DeleteMessageBatchResultEntry,flat"`
	Failed     []failure `json:"Failed" query:"BatchResultErrorEntry,flat"`
}

type changeMessageVisibilityBatchOutput struct {
	Successful []entryID `json:"Successful" query:"ChangeMessageVisibilityBatchResultEntry,flat"`
	Failed     []failure `json:"Failed" query:"BatchResultErrorEntry,flat"`
}

func batchResult(ids []string, errs []error) batchOutput {
	out := batchOutput{Successful: []entryID{}, Failed: []failure{}}
	for i, id := range ids {
		if errs[i] != nil {
			out.Failed = append(out.Failed, failureOf(id, errs[i]))
		} else {
			out.Successful = append(out.Successful, entryID{id})
		}
	}
	return out
}

type deleteMessageBatchInput struct {
	queueRef
	Entries []struct {
		Id            string `json:"Id"`
		ReceiptHandle string `json:"ReceiptHandle"`
	} `json:"Entries" query:"DeleteMessageBatchRequestEntry,flat"`
}

func (h handler) deleteMessageBatch(ctx context.Context, in *deleteMessageBatchInput) (*deleteMessageBatchOutput, error) {
	ref, err := h.queue(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(in.Entries))
	handles := make([]string, len(in.Entries))
	for i, e := range in.Entries {
		ids[i], handles[i] = e.Id, e.ReceiptHandle
	}
	if err := sqs.CheckBatch(ids); err != nil {
		return nil, err
	}
	errs, err := h.svc.Delete(ctx, ref, handles)
	if err != nil {
		return nil, err
	}
	out := deleteMessageBatchOutput(batchResult(ids, errs))
	return &out, nil
}

type changeMessageVisibilityInput struct {
	queueRef
	ReceiptHandle     string `json:"ReceiptHandle"`
	VisibilityTimeout *int   `json:"VisibilityTimeout"`
}

func (h handler) changeMessageVisibility(ctx context.Context, in *changeMessageVisibilityInput) error {
	ref, err := h.queue(ctx, in.QueueUrl)
	if err != nil {
		return err
	}
	if in.ReceiptHandle == "" || in.VisibilityTimeout == nil {
		return awserr.New(sqs.ErrMissingParameter, "The request must contain the parameters ReceiptHandle and VisibilityTimeout.")
	}
	errs, err := h.svc.ChangeVisibility(ctx, ref, []sqs.VisibilityInput{{ReceiptHandle: in.ReceiptHandle, VisibilityTimeout: *in.VisibilityTimeout}})
	if err != nil {
		return err
	}
	return errs[0]
}

type changeMessageVisibilityBatchInput struct {
	queueRef
	Entries []struct {
		Id                string `json:"Id"`
		ReceiptHandle     string `json:"ReceiptHandle"`
		VisibilityTimeout int    `json:"VisibilityTimeout"`
	} `json:"Entries" query:"ChangeMessageVisibilityBatchRequestEntry,flat"`
}

func (h handler) changeMessageVisibilityBatch(ctx context.Context, in *changeMessageVisibilityBatchInput) (*changeMessageVisibilityBatchOutput, error) {
	ref, err := h.queue(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(in.Entries))
	entries := make([]sqs.VisibilityInput, len(in.Entries))
	for i, e := range in.Entries {
		ids[i] = e.Id
		entries[i] = sqs.VisibilityInput{ReceiptHandle: e.ReceiptHandle, VisibilityTimeout: e.VisibilityTimeout}
	}
	if err := sqs.CheckBatch(ids); err != nil {
		return nil, err
	}
	errs, err := h.svc.ChangeVisibility(ctx, ref, entries)
	if err != nil {
		return nil, err
	}
	out := changeMessageVisibilityBatchOutput(batchResult(ids, errs))
	return &out, nil
}
