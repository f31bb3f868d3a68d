package esm

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/sqs"
)

// Event is the SQS event a function receives.
type Event struct {
	Records []Record `json:"Records"`
}

// Record is one message of an SQS event (aws-lambda-go's
// events.SQSMessage).
type Record struct {
	MessageID              string                      `json:"messageId"`
	ReceiptHandle          string                      `json:"receiptHandle"`
	Body                   string                      `json:"body"`
	Attributes             map[string]string           `json:"attributes"`
	MessageAttributes      map[string]MessageAttribute `json:"messageAttributes"`
	MD5OfBody              string                      `json:"md5OfBody"`
	MD5OfMessageAttributes *string                     `json:"md5OfMessageAttributes"`
	EventSource            string                      `json:"eventSource"`
	EventSourceARN         string                      `json:"eventSourceARN"`
	AWSRegion              string                      `json:"awsRegion"`
}

// MessageAttribute is a message attribute in an SQS event.
type MessageAttribute struct {
	StringValue      *string  `json:"stringValue,omitempty"`
	BinaryValue      []byte   `json:"binaryValue,omitempty"`
	StringListValues []string `json:"stringListValues"`
	BinaryListValues []string `json:"binaryListValues"`
	DataType         string   `json:"dataType"`
}

func (p *poller) record(m sqs.Message) Record {
	r := Record{
		MessageID: m.MessageID, ReceiptHandle: m.ReceiptHandle, Body: m.Body, Attributes: m.Attributes,
		MessageAttributes: map[string]MessageAttribute{}, MD5OfBody: m.MD5OfBody,
		EventSource: "aws:sqs", EventSourceARN: p.m.Config.EventSourceArn, AWSRegion: p.queue.Region,
	}
	if m.MD5OfMessageAttributes != "" {
		md5 := m.MD5OfMessageAttributes
		r.MD5OfMessageAttributes = &md5
	}
	for n, a := range m.MessageAttributes {
		ma := MessageAttribute{DataType: a.DataType, StringListValues: []string{}, BinaryListValues: []string{}}
		if a.IsBinary() {
			ma.BinaryValue = a.BinaryValue
		} else {
			v := a.StringValue
			ma.StringValue = &v
		}
		r.MessageAttributes[n] = ma
	}
	return r
}

// matches applies the mapping's filters to a record, whose body is
// matched as JSON when it is a JSON object and as a string otherwise.
func (p *poller) matches(r Record) bool {
	if len(p.filters) == 0 {
		return true
	}
	var body any = r.Body
	var obj map[string]any
	if strings.HasPrefix(strings.TrimSpace(r.Body), "{") && json.Unmarshal([]byte(r.Body), &obj) == nil {
		body = obj
	}
	attrs := map[string]any{}
	for k, v := range r.Attributes {
		attrs[k] = v
	}
	mattrs := map[string]any{}
	for k, v := range r.MessageAttributes {
		a := map[string]any{"dataType": v.DataType}
		if v.StringValue != nil {
			a["stringValue"] = *v.StringValue
		}
		mattrs[k] = a
	}
	event := map[string]any{
		"messageId": r.MessageID, "body": body, "attributes": attrs, "messageAttributes": mattrs,
		"md5OfBody": r.MD5OfBody, "eventSource": r.EventSource, "eventSourceARN": r.EventSourceARN, "awsRegion": r.AWSRegion,
	}
	for _, f := range p.filters {
		if f.Match(event) {
			return true
		}
	}
	return false
}

// process invokes the function with a batch and deletes the messages that
// succeeded or were filtered out; the others come back after their
// visibility timeout.
func (p *poller) process(ctx context.Context, batch []sqs.Message) {
	var event Event
	var drop []string
	for _, m := range batch {
		r := p.record(m)
		if p.matches(r) {
			event.Records = append(event.Records, r)
		} else {
			drop = append(drop, m.ReceiptHandle)
		}
	}
	if len(drop) > 0 {
		p.delete(ctx, drop)
	}
	if len(event.Records) == 0 {
		return
	}
	payload, _ := json.Marshal(event)
	res, err := p.s.invoker.Invoke(ctx, &lambda.Invocation{Scope: p.m.Scope, Function: p.m.Function, Payload: payload})
	switch {
	case err != nil:
		if ctx.Err() == nil {
			p.s.log.Warn("esm: invoke failed", "uuid", p.m.Config.UUID, "err", err)
			p.s.setResult(p.m.Config.UUID, "PROBLEM: Function call failed")
			sleep(ctx, 500*time.Millisecond)
		}
		return
	case res.FunctionError != "":
		p.s.setResult(p.m.Config.UUID, "PROBLEM: Function call failed")
		return
	}
	p.s.setResult(p.m.Config.UUID, "OK")
	failed := map[string]bool{}
	if p.m.reportsFailures() {
		var ok bool
		if failed, ok = batchItemFailures(res.Payload, event.Records); !ok {
			return // a malformed response fails the whole batch
		}
	}
	fifo := strings.HasSuffix(p.m.Config.EventSourceArn, ".fifo")
	blocked := map[string]bool{} // FIFO groups with a failed message
	var done []string
	for _, r := range event.Records {
		group := r.Attributes["MessageGroupId"]
		if failed[r.MessageID] || fifo && blocked[group] {
			blocked[group] = true
			continue
		}
		done = append(done, r.ReceiptHandle)
	}
	p.delete(ctx, done)
}

func (p *poller) delete(ctx context.Context, handles []string) {
	for len(handles) > 0 {
		n := min(len(handles), 10)
		if _, err := p.s.queues.Delete(ctx, p.queue, handles[:n]); err != nil && ctx.Err() == nil {
			p.s.log.Warn("esm: delete messages", "uuid", p.m.Config.UUID, "err", err)
		}
		handles = handles[n:]
	}
}

// batchItemFailures reads a partial batch response. ok is false when the
// response must fail the whole batch: an empty or unknown identifier.
func batchItemFailures(payload []byte, records []Record) (map[string]bool, bool) {
	failed := map[string]bool{}
	var resp struct {
		BatchItemFailures []map[string]any `json:"batchItemFailures"`
	}
	if len(payload) == 0 || string(payload) == "null" || json.Unmarshal(payload, &resp) != nil {
		return failed, true
	}
	known := map[string]bool{}
	for _, r := range records {
		known[r.MessageID] = true
	}
	for _, f := range resp.BatchItemFailures {
		id, _ := f["itemIdentifier"].(string)
		if id == "" || !known[id] {
			return nil, false
		}
		failed[id] = true
	}
	return failed, true
}
