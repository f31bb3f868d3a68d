package sqsapi

import (
	"encoding/base64"
	"net/url"
	"strings"

	"github.com/nubo-dev/nubo/internal/api"
	"github.com/nubo-dev/nubo/internal/services/sqs"
)

func (h *Handler) routes() {
	h.ops = map[string]op{
		"CreateQueue":                  h.createQueue,
		"GetQueueUrl":                  h.getQueueURL,
		"ListQueues":                   h.listQueues,
		"DeleteQueue":                  h.deleteQueue,
		"GetQueueAttributes":           h.getQueueAttributes,
		"SetQueueAttributes":           h.setQueueAttributes,
		"PurgeQueue":                   h.purgeQueue,
		"TagQueue":                     h.tagQueue,
		"UntagQueue":                   h.untagQueue,
		"ListQueueTags":                h.listQueueTags,
		"ListDeadLetterSourceQueues":   h.listDeadLetterSourceQueues,
		"SendMessage":                  h.sendMessage,
		"SendMessageBatch":             h.sendMessageBatch,
		"ReceiveMessage":               h.receiveMessage,
		"DeleteMessage":                h.deleteMessage,
		"DeleteMessageBatch":           h.deleteMessageBatch,
		"ChangeMessageVisibility":      h.changeMessageVisibility,
		"ChangeMessageVisibilityBatch": h.changeMessageVisibilityBatch,
		"StartMessageMoveTask":         h.startMessageMoveTask,
		"ListMessageMoveTasks":         h.listMessageMoveTasks,
		"CancelMessageMoveTask":        h.cancelMessageMoveTask,
	}
}

// queueURL is the URL of a queue as the client reached nubo.
func (c *call) queueURL(name string) string {
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.r.Host + "/" + c.h.svc.Account() + "/" + name
}

// queue reads a QueueUrl (http://host/ACCOUNT/NAME).
func (c *call) queue(queueURL string) (sqs.Ref, error) {
	if queueURL == "" {
		return sqs.Ref{}, sqs.Errorf(sqs.ErrMissingParameter, "The request must contain the parameter QueueUrl.")
	}
	ref := sqs.Ref{Region: api.Region(c.r.Context())}
	path := queueURL
	if u, err := url.Parse(queueURL); err == nil && u.Path != "" {
		path = u.Path
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) != 2 || parts[0] != c.h.svc.Account() {
		return ref, sqs.Errorf(sqs.ErrQueueDoesNotExist, "The specified queue does not exist.")
	}
	ref.Name = parts[1]
	return ref, nil
}

func (h *Handler) createQueue(c *call) (any, error) {
	var in struct {
		QueueName  string
		Attributes map[string]string
		Tags       map[string]string `json:"tags"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.QueueName == "" {
		return nil, sqs.Errorf(sqs.ErrMissingParameter, "The request must contain the parameter QueueName.")
	}
	ref := sqs.Ref{Region: api.Region(c.r.Context()), Name: in.QueueName}
	if err := h.svc.CreateQueue(c.r.Context(), ref, in.Attributes, in.Tags); err != nil {
		return nil, err
	}
	return map[string]string{"QueueUrl": c.queueURL(in.QueueName)}, nil
}

func (h *Handler) getQueueURL(c *call) (any, error) {
	var in struct{ QueueName, QueueOwnerAWSAccountId string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.QueueName == "" {
		return nil, sqs.Errorf(sqs.ErrMissingParameter, "The request must contain the parameter QueueName.")
	}
	ref := sqs.Ref{Region: api.Region(c.r.Context()), Name: in.QueueName}
	if in.QueueOwnerAWSAccountId != "" && in.QueueOwnerAWSAccountId != h.svc.Account() {
		return nil, sqs.Errorf(sqs.ErrQueueDoesNotExist, "The specified queue does not exist.")
	}
	if err := h.svc.Exists(ref); err != nil {
		return nil, err
	}
	return map[string]string{"QueueUrl": c.queueURL(in.QueueName)}, nil
}

// page cuts names after the NextToken and at MaxResults.
func page(names []string, token string, maxResults *int) ([]string, string, error) {
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return nil, "", sqs.Errorf(sqs.ErrInvalidParameterValue, "Invalid NextToken value.")
		}
		after := string(b)
		i := 0
		for i < len(names) && names[i] <= after {
			i++
		}
		names = names[i:]
	}
	limit := 1000
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > 1000 {
			return nil, "", sqs.Errorf(sqs.ErrInvalidParameterValue, "Value %d for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", *maxResults)
		}
		limit = *maxResults
	}
	next := ""
	if len(names) > limit {
		names = names[:limit]
		if maxResults != nil {
			next = base64.RawURLEncoding.EncodeToString([]byte(names[limit-1]))
		}
	}
	return names, next, nil
}

type listOutput struct {
	QueueUrls []string `json:"QueueUrls,omitempty"`
	NextToken string   `json:"NextToken,omitempty"`
}

func (h *Handler) listQueues(c *call) (any, error) {
	var in struct {
		QueueNamePrefix, NextToken string
		MaxResults                 *int
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	names, next, err := page(h.svc.ListQueues(api.Region(c.r.Context()), in.QueueNamePrefix), in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := listOutput{NextToken: next}
	for _, n := range names {
		out.QueueUrls = append(out.QueueUrls, c.queueURL(n))
	}
	return out, nil
}

func (h *Handler) listDeadLetterSourceQueues(c *call) (any, error) {
	var in struct {
		QueueUrl, NextToken string
		MaxResults          *int
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ref, err := c.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	all, err := h.svc.DeadLetterSourceQueues(ref)
	if err != nil {
		return nil, err
	}
	names, next, err := page(all, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	urls := []string{}
	for _, n := range names {
		urls = append(urls, c.queueURL(n))
	}
	return struct {
		QueueUrls []string `json:"queueUrls"`
		NextToken string   `json:"NextToken,omitempty"`
	}{urls, next}, nil
}

// queueInput is the input of operations that take only a queue.
type queueInput struct{ QueueUrl string }

func (h *Handler) deleteQueue(c *call) (any, error) {
	var in queueInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ref, err := c.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	return nil, h.svc.DeleteQueue(c.r.Context(), ref)
}

func (h *Handler) purgeQueue(c *call) (any, error) {
	var in queueInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ref, err := c.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	return nil, h.svc.PurgeQueue(c.r.Context(), ref)
}

func (h *Handler) getQueueAttributes(c *call) (any, error) {
	var in struct {
		QueueUrl       string
		AttributeNames []string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ref, err := c.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	attrs, err := h.svc.QueueAttributes(ref, in.AttributeNames)
	if err != nil {
		return nil, err
	}
	if len(attrs) == 0 {
		return struct{}{}, nil
	}
	return map[string]any{"Attributes": attrs}, nil
}

func (h *Handler) setQueueAttributes(c *call) (any, error) {
	var in struct {
		QueueUrl   string
		Attributes map[string]string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ref, err := c.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if len(in.Attributes) == 0 {
		return nil, sqs.Errorf(sqs.ErrMissingParameter, "The request must contain the parameter Attributes.")
	}
	return nil, h.svc.SetQueueAttributes(c.r.Context(), ref, in.Attributes)
}

func (h *Handler) tagQueue(c *call) (any, error) {
	var in struct {
		QueueUrl string
		Tags     map[string]string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ref, err := c.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	return nil, h.svc.TagQueue(c.r.Context(), ref, in.Tags)
}

func (h *Handler) untagQueue(c *call) (any, error) {
	var in struct {
		QueueUrl string
		TagKeys  []string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ref, err := c.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	return nil, h.svc.UntagQueue(c.r.Context(), ref, in.TagKeys)
}

func (h *Handler) listQueueTags(c *call) (any, error) {
	var in queueInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ref, err := c.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	tags, err := h.svc.QueueTags(ref)
	if err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return struct{}{}, nil
	}
	return map[string]any{"Tags": tags}, nil
}
