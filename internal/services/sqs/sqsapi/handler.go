// Package sqsapi is the SQS service's wire package: its operations,
// declared to the wire layer, which serves them in AWS JSON 1.0
// (X-Amz-Target: AmazonSQS.<Op>, current SDKs) and the query protocol
// (Action=<Op>, XML responses; older SDKs and the CLI 2.9).
package sqsapi

import (
	"context"
	"log/slog"
	"net/url"
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/sqs"
	"github.com/nubo-dev/nubo/internal/wire"
)

// maxRequest bounds a request body: a 1 MiB message (up to three times
// that percent-encoded in the query protocol), base64-encoded
// binary attributes and the protocol around them.
const maxRequest = 8 << 20

type handler struct{ svc *sqs.Service }

// New returns SQS's service for the wire layer.
func New(svc *sqs.Service, log *slog.Logger) *wire.Service {
	h := handler{svc}
	return &wire.Service{
		Name:            "sqs",
		JSON:            &wire.JSONProtocol{Target: "AmazonSQS", Version: "1.0"},
		Query:           &wire.QueryProtocol{Namespace: "http://queue.amazonaws.com/doc/2012-11-05/", Prepare: h.prepare},
		QueryCompatible: true,
		Paths:           []string{"/" + svc.Account() + "/"},
		Errors: wire.Errors{
			Internal:        sqs.ErrInternal,
			InternalMessage: "We encountered an internal error. Please try again.",
			BadRequest:      sqs.ErrInvalidParameterValue,
			MaxBody:         maxRequest,
			TooLarge:        awserr.New(sqs.ErrInvalidParameterValue, "Request must be smaller than %d bytes.", maxRequest),
		},
		Log: log,
		Ops: []wire.Op{
			wire.Operation("CreateQueue", h.createQueue),
			wire.Operation("GetQueueUrl", h.getQueueURL),
			wire.Operation("ListQueues", h.listQueues),
			wire.NoOutput("DeleteQueue", h.deleteQueue),
			wire.Operation("GetQueueAttributes", h.getQueueAttributes),
			wire.NoOutput("SetQueueAttributes", h.setQueueAttributes),
			wire.NoOutput("PurgeQueue", h.purgeQueue),
			wire.NoOutput("TagQueue", h.tagQueue),
			wire.NoOutput("UntagQueue", h.untagQueue),
			wire.Operation("ListQueueTags", h.listQueueTags),
			wire.Operation("ListDeadLetterSourceQueues", h.listDeadLetterSourceQueues),
			wire.Operation("SendMessage", h.sendMessage),
			wire.Operation("SendMessageBatch", h.sendMessageBatch),
			wire.Operation("ReceiveMessage", h.receiveMessage),
			wire.NoOutput("DeleteMessage", h.deleteMessage),
			wire.Operation("DeleteMessageBatch", h.deleteMessageBatch),
			wire.NoOutput("ChangeMessageVisibility", h.changeMessageVisibility),
			wire.Operation("ChangeMessageVisibilityBatch", h.changeMessageVisibilityBatch),
			wire.Operation("StartMessageMoveTask", h.startMessageMoveTask),
			wire.Operation("ListMessageMoveTasks", h.listMessageMoveTasks),
			wire.Operation("CancelMessageMoveTask", h.cancelMessageMoveTask),
		},
	}
}

// prepare lets old query clients, which post to the queue URL instead of
// sending QueueUrl, name their queue.
func (h handler) prepare(ctx context.Context, form map[string][]string) {
	r := wire.CallOf(ctx).Request
	if _, ok := form["QueueUrl"]; !ok && strings.Count(strings.Trim(r.URL.Path, "/"), "/") == 1 {
		form["QueueUrl"] = []string{wire.BaseURL(ctx) + r.URL.Path}
	}
}

// queueURL is the URL of a queue as the client reached nubo.
func (h handler) queueURL(ctx context.Context, name string) string {
	return wire.BaseURL(ctx) + "/" + h.svc.Account() + "/" + name
}

// queue reads a QueueUrl (http://host/ACCOUNT/NAME).
func (h handler) queue(ctx context.Context, queueURL string) (sqs.Ref, error) {
	if queueURL == "" {
		return sqs.Ref{}, awserr.New(sqs.ErrMissingParameter, "The request must contain the parameter QueueUrl.")
	}
	ref := sqs.Ref{Region: wire.Region(ctx)}
	path := queueURL
	if u, err := url.Parse(queueURL); err == nil && u.Path != "" {
		path = u.Path
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) != 2 || parts[0] != h.svc.Account() {
		return ref, awserr.New(sqs.ErrQueueDoesNotExist, "The specified queue does not exist.")
	}
	ref.Name = parts[1]
	return ref, nil
}
