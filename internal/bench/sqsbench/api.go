package sqsbench

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/nubo-dev/nubo/internal/bench"
)

// api is one way of speaking SQS and SNS: AWS JSON 1.0 or the query
// protocol. The benchmark builds requests by hand and reads only what it
// needs from answers, so that the client's own cost stays small and the
// same for every server.
type api interface {
	createQueue(ctx context.Context, name string) (url string, err error)
	deleteQueue(ctx context.Context, url string) error
	// send sends one message; group, when set, is its FIFO group and dedup
	// its deduplication id.
	send(ctx context.Context, url, body, group, dedup string) error
	// sendBatch sends bodies in one request and returns how many were sent.
	sendBatch(ctx context.Context, url string, bodies []string, group, dedup string) (int, error)
	// receive returns the receipt handles of up to max messages.
	receive(ctx context.Context, url string, max int) ([]string, error)
	deleteMessage(ctx context.Context, url, handle string) error
	deleteBatch(ctx context.Context, url string, handles []string) error
	createTopic(ctx context.Context, name string) (arn string, err error)
	// subscribe subscribes a queue to a topic, with raw message delivery
	// or with SNS's signed JSON envelopes.
	subscribe(ctx context.Context, topicARN, queueARN string, raw bool) error
	publish(ctx context.Context, topicARN, message string) error
}

// conn posts requests to one server over keep-alive connections.
type conn struct {
	base string
	http *http.Client
}

func newConn(base string, conns int) *conn {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute}
	return &conn{base: base, http: &http.Client{Transport: tr}}
}

// post sends body and returns the answer's body, or an error for a status
// other than 200. A request for a service is signed for it as SDKs sign
// (goaws ignores the signature; the floor's requests name no service).
func (c *conn) post(ctx context.Context, service, path string, header http.Header, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = header
	if service != "" {
		if err := bench.Sign(req, body, service); err != nil {
			return nil, err
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %.300s", resp.Status, b)
	}
	return b, nil
}

// between returns the texts between each open and the close that follows.
func between(b []byte, open, close string) []string {
	var out []string
	for {
		i := bytes.Index(b, []byte(open))
		if i < 0 {
			return out
		}
		b = b[i+len(open):]
		j := bytes.Index(b, []byte(close))
		if j < 0 {
			return out
		}
		out = append(out, string(b[:j]))
		b = b[j+len(close):]
	}
}

// queryAPI speaks the query protocol: forms in, XML out.
type queryAPI struct{ c *conn }

func (q queryAPI) call(ctx context.Context, service string, form url.Values) ([]byte, error) {
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	return q.c.post(ctx, service, "/", h, []byte(form.Encode()))
}

func (q queryAPI) createQueue(ctx context.Context, name string) (string, error) {
	form := url.Values{"Action": {"CreateQueue"}, "QueueName": {name}, "Attribute.1.Name": {"VisibilityTimeout"}, "Attribute.1.Value": {"30"}}
	if isFIFO(name) {
		form.Set("Attribute.2.Name", "FifoQueue")
		form.Set("Attribute.2.Value", "true")
	}
	b, err := q.call(ctx, "sqs", form)
	if err != nil {
		return "", fmt.Errorf("CreateQueue: %w", err)
	}
	urls := between(b, "<QueueUrl>", "</QueueUrl>")
	if len(urls) != 1 {
		return "", fmt.Errorf("CreateQueue: no QueueUrl in %.300s", b)
	}
	return html.UnescapeString(urls[0]), nil
}

func (q queryAPI) deleteQueue(ctx context.Context, url string) error {
	_, err := q.call(ctx, "sqs", map[string][]string{"Action": {"DeleteQueue"}, "QueueUrl": {url}})
	return err
}

func (q queryAPI) send(ctx context.Context, queue, body, group, dedup string) error {
	form := url.Values{"Action": {"SendMessage"}, "QueueUrl": {queue}, "MessageBody": {body}}
	if group != "" {
		form.Set("MessageGroupId", group)
		form.Set("MessageDeduplicationId", dedup)
	}
	_, err := q.call(ctx, "sqs", form)
	return err
}

func (q queryAPI) sendBatch(ctx context.Context, queue string, bodies []string, group, dedup string) (int, error) {
	form := url.Values{"Action": {"SendMessageBatch"}, "QueueUrl": {queue}}
	for i, body := range bodies {
		p := "SendMessageBatchRequestEntry." + strconv.Itoa(i+1) + "."
		form.Set(p+"Id", strconv.Itoa(i))
		form.Set(p+"MessageBody", body)
		if group != "" {
			form.Set(p+"MessageGroupId", group)
			form.Set(p+"MessageDeduplicationId", dedup+"-"+strconv.Itoa(i))
		}
	}
	b, err := q.call(ctx, "sqs", form)
	return bytes.Count(b, []byte("<MessageId>")), err
}

func (q queryAPI) receive(ctx context.Context, queue string, max int) ([]string, error) {
	b, err := q.call(ctx, "sqs", url.Values{"Action": {"ReceiveMessage"}, "QueueUrl": {queue}, "MaxNumberOfMessages": {strconv.Itoa(max)}})
	if err != nil {
		return nil, err
	}
	handles := between(b, "<ReceiptHandle>", "</ReceiptHandle>")
	for i, h := range handles {
		handles[i] = html.UnescapeString(h)
	}
	return handles, nil
}

func (q queryAPI) deleteMessage(ctx context.Context, queue, handle string) error {
	_, err := q.call(ctx, "sqs", url.Values{"Action": {"DeleteMessage"}, "QueueUrl": {queue}, "ReceiptHandle": {handle}})
	return err
}

func (q queryAPI) deleteBatch(ctx context.Context, queue string, handles []string) error {
	form := url.Values{"Action": {"DeleteMessageBatch"}, "QueueUrl": {queue}}
	for i, h := range handles {
		p := "DeleteMessageBatchRequestEntry." + strconv.Itoa(i+1) + "."
		form.Set(p+"Id", strconv.Itoa(i))
		form.Set(p+"ReceiptHandle", h)
	}
	_, err := q.call(ctx, "sqs", form)
	return err
}

func (q queryAPI) createTopic(ctx context.Context, name string) (string, error) {
	b, err := q.call(ctx, "sns", url.Values{"Action": {"CreateTopic"}, "Name": {name}})
	if err != nil {
		return "", fmt.Errorf("CreateTopic: %w", err)
	}
	arns := between(b, "<TopicArn>", "</TopicArn>")
	if len(arns) != 1 {
		return "", fmt.Errorf("CreateTopic: no TopicArn in %.300s", b)
	}
	return arns[0], nil
}

func (q queryAPI) subscribe(ctx context.Context, topicARN, queueARN string, raw bool) error {
	form := url.Values{"Action": {"Subscribe"}, "TopicArn": {topicARN}, "Protocol": {"sqs"}, "Endpoint": {queueARN}}
	if raw {
		form.Set("Attributes.entry.1.key", "RawMessageDelivery")
		form.Set("Attributes.entry.1.value", "true")
	}
	_, err := q.call(ctx, "sns", form)
	return err
}

func (q queryAPI) publish(ctx context.Context, topicARN, message string) error {
	_, err := q.call(ctx, "sns", url.Values{"Action": {"Publish"}, "TopicArn": {topicARN}, "Message": {message}})
	return err
}

func isFIFO(name string) bool { return len(name) > 5 && name[len(name)-5:] == ".fifo" }
