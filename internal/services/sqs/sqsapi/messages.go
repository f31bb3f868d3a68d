package sqsapi

import (
	"errors"

	"github.com/nubo-dev/nubo/internal/services/sqs"
)

// messageAttribute is a message attribute in both protocols' members
// (BinaryValue base64 in JSON and XML alike).
type messageAttribute struct {
	DataType         string   `json:"DataType"`
	StringValue      string   `json:"StringValue,omitempty"`
	BinaryValue      []byte   `json:"BinaryValue,omitempty"`
	StringListValues []string `json:"StringListValues,omitempty"`
	BinaryListValues [][]byte `json:"BinaryListValues,omitempty"`
}

func toDomain(attrs map[string]messageAttribute) (map[string]sqs.MessageAttribute, error) {
	if len(attrs) == 0 {
		return nil, nil
	}
	out := make(map[string]sqs.MessageAttribute, len(attrs))
	for n, a := range attrs {
		if len(a.StringListValues) > 0 || len(a.BinaryListValues) > 0 {
			return nil, sqs.Errorf(sqs.ErrInvalidParameterValue, "Message attribute list values in SendMessage operation are not supported.")
		}
		out[n] = sqs.MessageAttribute{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
	}
	return out, nil
}

func fromDomain(attrs map[string]sqs.MessageAttribute) map[string]messageAttribute {
	if len(attrs) == 0 {
		return nil
	}
	out := make(map[string]messageAttribute, len(attrs))
	for n, a := range attrs {
		out[n] = messageAttribute{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
	}
	return out
}

type sendEntry struct {
	Id                      string
	MessageBody             string
	DelaySeconds            *int
	MessageAttributes       map[string]messageAttribute
	MessageSystemAttributes map[string]messageAttribute
	MessageGroupId          string
	MessageDeduplicationId  string
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
	Id          string
	SenderFault bool
	Code        string
	Message     string
}

func failureOf(id string, err error) failure {
	var e *sqs.Error
	if !errors.As(err, &e) {
		return failure{Id: id, Code: sqs.ErrInternal.Code, Message: err.Error()}
	}
	return failure{Id: id, SenderFault: !e.Class.Receiver, Code: e.Class.Code, Message: e.Message}
}

type batchOutput[T any] struct {
	Successful []T       `json:"Successful"`
	Failed     []failure `json:"Failed"`
}

func (h *Handler) sendMessage(c *call) (any, error) {
	var in struct {
		QueueUrl string
		sendEntry
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ref, err := c.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	msg, err := in.input()
	if err != nil {
		return nil, err
	}
	res, errs, err := h.svc.Send(c.r.Context(), ref, []sqs.SendInput{msg})
	if err != nil {
		return nil, err
	}
	if errs[0] != nil {
		return nil, errs[0]
	}
	return resultOf("", res[0]), nil
}

func (h *Handler) sendMessageBatch(c *call) (any, error) {
	var in struct {
		QueueUrl string
		Entries  []sendEntry
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ref, err := c.queue(in.QueueUrl)
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
	out := batchOutput[sendResult]{Successful: []sendResult{}, Failed: []failure{}}
	var msgs []sqs.SendInput
	var msgIDs []string
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
	res, errs, err := h.svc.Send(c.r.Context(), ref, msgs)
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

type receivedMessage struct {
	MessageId              string
	ReceiptHandle          string
	MD5OfBody              string
	Body                   string
	Attributes             map[string]string           `json:"Attributes,omitempty"`
	MD5OfMessageAttributes string                      `json:"MD5OfMessageAttributes,omitempty"`
	MessageAttributes      map[string]messageAttribute `json:"MessageAttributes,omitempty"`
}

func (h *Handler) receiveMessage(c *call) (any, error) {
	var in struct {
		QueueUrl                    string
		AttributeNames              []string
		MessageSystemAttributeNames []string
		MessageAttributeNames       []string
		MaxNumberOfMessages         int
		VisibilityTimeout           *int
		WaitTimeSeconds             *int
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ref, err := c.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	msgs, err := h.svc.Receive(c.r.Context(), ref, sqs.ReceiveInput{
		MaxMessages: in.MaxNumberOfMessages, WaitSeconds: in.WaitTimeSeconds, VisibilityTimeout: in.VisibilityTimeout,
		AttributeNames: append(in.AttributeNames, in.MessageSystemAttributeNames...), MessageAttributeNames: in.MessageAttributeNames,
	})
	if err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return struct{}{}, nil
	}
	out := make([]receivedMessage, len(msgs))
	for i, m := range msgs {
		out[i] = receivedMessage{MessageId: m.MessageID, ReceiptHandle: m.ReceiptHandle, MD5OfBody: m.MD5OfBody, Body: m.Body,
			Attributes: m.Attributes, MD5OfMessageAttributes: m.MD5OfMessageAttributes, MessageAttributes: fromDomain(m.MessageAttributes)}
	}
	return map[string]any{"Messages": out}, nil
}

func (h *Handler) deleteMessage(c *call) (any, error) {
	var in struct{ QueueUrl, ReceiptHandle string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ref, err := c.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if in.ReceiptHandle == "" {
		return nil, sqs.Errorf(sqs.ErrMissingParameter, "The request must contain the parameter ReceiptHandle.")
	}
	errs, err := h.svc.Delete(c.r.Context(), ref, []string{in.ReceiptHandle})
	if err != nil {
		return nil, err
	}
	return nil, errs[0]
}

type entryID struct{ Id string }

func (h *Handler) deleteMessageBatch(c *call) (any, error) {
	var in struct {
		QueueUrl string
		Entries  []struct{ Id, ReceiptHandle string }
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ref, err := c.queue(in.QueueUrl)
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
	errs, err := h.svc.Delete(c.r.Context(), ref, handles)
	if err != nil {
		return nil, err
	}
	return batchResult(ids, errs), nil
}

func batchResult(ids []string, errs []error) batchOutput[entryID] {
	out := batchOutput[entryID]{Successful: []entryID{}, Failed: []failure{}}
	for i, id := range ids {
		if errs[i] != nil {
			out.Failed = append(out.Failed, failureOf(id, errs[i]))
		} else {
			out.Successful = append(out.Successful, entryID{id})
		}
	}
	return out
}

func (h *Handler) changeMessageVisibility(c *call) (any, error) {
	var in struct {
		QueueUrl, ReceiptHandle string
		VisibilityTimeout       *int
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ref, err := c.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if in.ReceiptHandle == "" || in.VisibilityTimeout == nil {
		return nil, sqs.Errorf(sqs.ErrMissingParameter, "The request must contain the parameters ReceiptHandle and VisibilityTimeout.")
	}
	errs, err := h.svc.ChangeVisibility(c.r.Context(), ref, []sqs.VisibilityInput{{ReceiptHandle: in.ReceiptHandle, VisibilityTimeout: *in.VisibilityTimeout}})
	if err != nil {
		return nil, err
	}
	return nil, errs[0]
}

func (h *Handler) changeMessageVisibilityBatch(c *call) (any, error) {
	var in struct {
		QueueUrl string
		Entries  []struct {
			Id, ReceiptHandle string
			VisibilityTimeout int
		}
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ref, err := c.queue(in.QueueUrl)
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
	errs, err := h.svc.ChangeVisibility(c.r.Context(), ref, entries)
	if err != nil {
		return nil, err
	}
	return batchResult(ids, errs), nil
}

func (h *Handler) startMessageMoveTask(c *call) (any, error) {
	var in struct {
		SourceArn, DestinationArn    string
		MaxNumberOfMessagesPerSecond int
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.SourceArn == "" {
		return nil, sqs.Errorf(sqs.ErrMissingParameter, "The request must contain the parameter SourceArn.")
	}
	handle, err := h.svc.StartMoveTask(c.r.Context(), in.SourceArn, in.DestinationArn, in.MaxNumberOfMessagesPerSecond)
	if err != nil {
		return nil, err
	}
	return map[string]string{"TaskHandle": handle}, nil
}

type moveTask struct {
	TaskHandle                        string `json:"TaskHandle,omitempty"`
	Status                            string
	SourceArn                         string
	DestinationArn                    string `json:"DestinationArn,omitempty"`
	MaxNumberOfMessagesPerSecond      int    `json:"MaxNumberOfMessagesPerSecond,omitempty"`
	ApproximateNumberOfMessagesMoved  int64
	ApproximateNumberOfMessagesToMove int64
	FailureReason                     string `json:"FailureReason,omitempty"`
	StartedTimestamp                  int64
}

func (h *Handler) listMessageMoveTasks(c *call) (any, error) {
	var in struct {
		SourceArn  string
		MaxResults int
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	tasks, err := h.svc.MoveTasks(in.SourceArn, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := []moveTask{}
	for _, t := range tasks {
		mt := moveTask{Status: t.Status, SourceArn: t.SourceArn, DestinationArn: t.DestinationArn, MaxNumberOfMessagesPerSecond: t.MaxPerSecond,
			ApproximateNumberOfMessagesMoved: t.Moved, ApproximateNumberOfMessagesToMove: t.ToMove, FailureReason: t.FailureReason,
			StartedTimestamp: t.Started.UnixMilli()}
		if t.Status == "RUNNING" {
			mt.TaskHandle = t.TaskHandle
		}
		out = append(out, mt)
	}
	return map[string]any{"Results": out}, nil
}

func (h *Handler) cancelMessageMoveTask(c *call) (any, error) {
	var in struct{ TaskHandle string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	moved, err := h.svc.CancelMoveTask(in.TaskHandle)
	if err != nil {
		return nil, err
	}
	return map[string]int64{"ApproximateNumberOfMessagesMoved": moved}, nil
}
