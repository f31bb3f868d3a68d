package sqsbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// jsonAPI speaks AWS JSON 1.0 (X-Amz-Target: AmazonSQS.<Op>), as current
// SDKs do. SNS speaks only the query protocol, which it falls back to.
type jsonAPI struct {
	c *conn
	queryAPI
}

func newJSONAPI(c *conn) jsonAPI { return jsonAPI{c: c, queryAPI: queryAPI{c}} }

func (j jsonAPI) call(ctx context.Context, op string, body []byte) ([]byte, error) {
	h := http.Header{"Content-Type": {"application/x-amz-json-1.0"}, "X-Amz-Target": {"AmazonSQS." + op}}
	b, err := j.c.post(ctx, "sqs", "/", h, body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return b, nil
}

// object writes a JSON object of string members (name, value, name, ...).
func object(b []byte, kv ...string) []byte {
	b = append(b, '{')
	for i := 0; i < len(kv); i += 2 {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, kv[i])
		b = append(b, ':')
		b = strconv.AppendQuote(b, kv[i+1])
	}
	return append(b, '}')
}

// withMember adds the member name with raw JSON value to object b.
func withMember(b []byte, name string, value []byte) []byte {
	b = b[:len(b)-1]
	if len(b) > 1 {
		b = append(b, ',')
	}
	b = strconv.AppendQuote(b, name)
	b = append(b, ':')
	b = append(b, value...)
	return append(b, '}')
}

func (j jsonAPI) createQueue(ctx context.Context, name string) (string, error) {
	attrs := object(nil, "VisibilityTimeout", "30")
	if isFIFO(name) {
		attrs = object(nil, "VisibilityTimeout", "30", "FifoQueue", "true")
	}
	b, err := j.call(ctx, "CreateQueue", withMember(object(nil, "QueueName", name), "Attributes", attrs))
	if err != nil {
		return "", err
	}
	var out struct{ QueueUrl string }
	return out.QueueUrl, json.Unmarshal(b, &out)
}

func (j jsonAPI) deleteQueue(ctx context.Context, url string) error {
	_, err := j.call(ctx, "DeleteQueue", object(nil, "QueueUrl", url))
	return err
}

func (j jsonAPI) send(ctx context.Context, queue, body, group, dedup string) error {
	req := object(nil, "QueueUrl", queue, "MessageBody", body)
	if group != "" {
		req = object(nil, "QueueUrl", queue, "MessageBody", body, "MessageGroupId", group, "MessageDeduplicationId", dedup)
	}
	_, err := j.call(ctx, "SendMessage", req)
	return err
}

func (j jsonAPI) sendBatch(ctx context.Context, queue string, bodies []string, group, dedup string) (int, error) {
	entries := []byte{'['}
	for i, body := range bodies {
		if i > 0 {
			entries = append(entries, ',')
		}
		if group != "" {
			entries = object(entries, "Id", strconv.Itoa(i), "MessageBody", body, "MessageGroupId", group, "MessageDeduplicationId", dedup+"-"+strconv.Itoa(i))
		} else {
			entries = object(entries, "Id", strconv.Itoa(i), "MessageBody", body)
		}
	}
	entries = append(entries, ']')
	b, err := j.call(ctx, "SendMessageBatch", withMember(object(nil, "QueueUrl", queue), "Entries", entries))
	return bytes.Count(b, []byte(`"MessageId"`)), err
}

func (j jsonAPI) receive(ctx context.Context, queue string, max int) ([]string, error) {
	req := withMember(object(nil, "QueueUrl", queue), "MaxNumberOfMessages", strconv.AppendInt(nil, int64(max), 10))
	b, err := j.call(ctx, "ReceiveMessage", req)
	if err != nil {
		return nil, err
	}
	var out struct {
		Messages []struct{ ReceiptHandle string }
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	handles := make([]string, len(out.Messages))
	for i, m := range out.Messages {
		handles[i] = m.ReceiptHandle
	}
	return handles, nil
}

func (j jsonAPI) deleteMessage(ctx context.Context, queue, handle string) error {
	_, err := j.call(ctx, "DeleteMessage", object(nil, "QueueUrl", queue, "ReceiptHandle", handle))
	return err
}

func (j jsonAPI) deleteBatch(ctx context.Context, queue string, handles []string) error {
	entries := []byte{'['}
	for i, h := range handles {
		if i > 0 {
			entries = append(entries, ',')
		}
		entries = object(entries, "Id", strconv.Itoa(i), "ReceiptHandle", h)
	}
	entries = append(entries, ']')
	_, err := j.call(ctx, "DeleteMessageBatch", withMember(object(nil, "QueueUrl", queue), "Entries", entries))
	return err
}
