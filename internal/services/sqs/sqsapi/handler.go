// Package sqsapi is the SQS service's wire package: its operations,
// declared to the wire layer, which serves them in AWS JSON 1.0
// (X-Amz-Target: AmazonSQS.<Op>, current SDKs) and the query protocol
// (Action=<Op>, XML responses; older SDKs and the CLI 2.9).
package sqsapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/iam"
	"github.com/nubo-dev/nubo/internal/iam/policy"
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
		Log:            log,
		Home:           svc.Account(),
		ResourcePolicy: h.policy,
		AccessDenied:   accessDenied,
		Ops: []wire.Op{
			wire.Operation("CreateQueue", h.createQueue),
			wire.Operation("GetQueueUrl", h.getQueueURL),
			wire.Operation("ListQueues", h.listQueues).AnyResource(),
			wire.NoOutput("DeleteQueue", h.deleteQueue),
			wire.Operation("GetQueueAttributes", h.getQueueAttributes),
			wire.NoOutput("SetQueueAttributes", h.setQueueAttributes),
			wire.NoOutput("PurgeQueue", h.purgeQueue),
			wire.NoOutput("TagQueue", h.tagQueue),
			wire.NoOutput("UntagQueue", h.untagQueue),
			wire.Operation("ListQueueTags", h.listQueueTags),
			wire.Operation("ListDeadLetterSourceQueues", h.listDeadLetterSourceQueues),
			wire.Operation("SendMessage", h.sendMessage),
			wire.Operation("SendMessageBatch", h.sendMessageBatch).Action("sqs:SendMessage"),
			wire.Operation("ReceiveMessage", h.receiveMessage),
			wire.NoOutput("DeleteMessage", h.deleteMessage),
			wire.Operation("DeleteMessageBatch", h.deleteMessageBatch).Action("sqs:DeleteMessage"),
			wire.NoOutput("ChangeMessageVisibility", h.changeMessageVisibility),
			wire.Operation("ChangeMessageVisibilityBatch", h.changeMessageVisibilityBatch).Action("sqs:ChangeMessageVisibility"),
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

// queueRef is the QueueUrl member of the inputs that name a queue by URL:
// they act on the queue's ARN.
type queueRef struct {
	QueueUrl string `json:"QueueUrl"`
}

// Resource is the ARN of the queue the URL names ("" for a URL that names
// none).
func (q *queueRef) Resource(ctx context.Context) string {
	path := q.QueueUrl
	if u, err := url.Parse(q.QueueUrl); err == nil && u.Path != "" {
		path = u.Path
	}
	acct, name, ok := strings.Cut(strings.Trim(path, "/"), "/")
	if !ok || acct == "" || name == "" || strings.Contains(name, "/") {
		return ""
	}
	return "arn:aws:sqs:" + wire.Region(ctx) + ":" + acct + ":" + name
}

// namedQueue is the ARN of a queue named by name (in owner's account, or
// the caller's).
func namedQueue(ctx context.Context, owner, name string) string {
	if name == "" {
		return ""
	}
	if owner == "" {
		owner = wire.CallOf(ctx).Account
	}
	return "arn:aws:sqs:" + wire.Region(ctx) + ":" + owner + ":" + name
}

// policy is the queue policy of the queue an ARN names.
func (h handler) policy(ctx context.Context, arn string) (*policy.Document, string, error) {
	doc, err := h.svc.Policy(arn)
	return doc, "", err
}

// accessDenied words a refusal as SQS does: the action in lower case
// ("sqs:sendmessage"), code AccessDenied in both protocols.
func accessDenied(d *iam.Denied) *awserr.Error {
	msg := d.Message
	if d.Action != "" {
		msg = d.Decision.Message(d.Caller, strings.ToLower(d.Action), d.Resource)
	}
	return awserr.New(errAccessDenied, "%s", msg)
}

// errAccessDenied is SQS's refusal, AccessDenied in both protocols.
var errAccessDenied = &awserr.Code{Name: "AccessDenied", Namespace: "com.amazon.coral.service", Status: http.StatusForbidden}

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
	path := urlPath(queueURL)
	if strings.Contains(path, "%") {
		if p, err := url.PathUnescape(path); err == nil {
			path = p
		}
	}
	account, name, ok := strings.Cut(strings.Trim(path, "/"), "/")
	if !ok || account != h.svc.Account() || name == "" || strings.Contains(name, "/") {
		return ref, awserr.New(sqs.ErrQueueDoesNotExist, "The specified queue does not exist.")
	}
	ref.Name = name
	return ref, nil
}

// urlPath is the path of a queue URL (the URL itself when it is only a
// path), without parsing all of it: every SQS request names its queue.
func urlPath(u string) string {
	if _, rest, ok := strings.Cut(u, "://"); ok {
		if i := strings.IndexAny(rest, "/?#"); i >= 0 && rest[i] == '/' {
			path := rest[i:]
			if j := strings.IndexAny(path, "?#"); j >= 0 {
				path = path[:j]
			}
			return path
		}
		return u
	}
	return u
}
