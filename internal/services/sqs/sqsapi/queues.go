package sqsapi

import (
	"context"
	"encoding/base64"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/sqs"
	"github.com/nubo-dev/nubo/internal/wire"
)

type createQueueInput struct {
	QueueName  string            `json:"QueueName"`
	Attributes map[string]string `json:"Attributes" query:"Attribute,flat,key=Name,value=Value"`
	Tags       map[string]string `json:"tags" query:"Tag,flat,key=Key,value=Value"`
}

func (in *createQueueInput) Resource(ctx context.Context) string {
	return namedQueue(ctx, "", in.QueueName)
}

type queueURLOutput struct {
	QueueUrl string `json:"QueueUrl"`
}

func (h handler) createQueue(ctx context.Context, in *createQueueInput) (*queueURLOutput, error) {
	if in.QueueName == "" {
		return nil, awserr.New(sqs.ErrMissingParameter, "The request must contain the parameter QueueName.")
	}
	ref := sqs.Ref{Region: wire.Region(ctx), Name: in.QueueName}
	if err := h.svc.CreateQueue(ctx, ref, in.Attributes, in.Tags); err != nil {
		return nil, err
	}
	return &queueURLOutput{h.queueURL(ctx, in.QueueName)}, nil
}

type getQueueURLInput struct {
	QueueName              string `json:"QueueName"`
	QueueOwnerAWSAccountId string `json:"QueueOwnerAWSAccountId"`
}

func (in *getQueueURLInput) Resource(ctx context.Context) string {
	return namedQueue(ctx, in.QueueOwnerAWSAccountId, in.QueueName)
}

func (h handler) getQueueURL(ctx context.Context, in *getQueueURLInput) (*queueURLOutput, error) {
	if in.QueueName == "" {
		return nil, awserr.New(sqs.ErrMissingParameter, "The request must contain the parameter QueueName.")
	}
	owner := in.QueueOwnerAWSAccountId
	if owner == "" {
		owner = wire.CallOf(ctx).Account
	}
	if owner != "" && owner != h.svc.Account() {
		return nil, awserr.New(sqs.ErrQueueDoesNotExist, "The specified queue does not exist.")
	}
	if err := h.svc.Exists(sqs.Ref{Region: wire.Region(ctx), Name: in.QueueName}); err != nil {
		return nil, err
	}
	return &queueURLOutput{h.queueURL(ctx, in.QueueName)}, nil
}

// page cuts names after the NextToken and at MaxResults.
func page(names []string, token string, maxResults *int) ([]string, string, error) {
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return nil, "", awserr.New(sqs.ErrInvalidParameterValue, "Invalid NextToken value.")
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
			return nil, "", awserr.New(sqs.ErrInvalidParameterValue, "Value %d for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", *maxResults)
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

type listQueuesInput struct {
	QueueNamePrefix string `json:"QueueNamePrefix"`
	NextToken       string `json:"NextToken"`
	MaxResults      *int   `json:"MaxResults"`
}

type listQueuesOutput struct {
	QueueUrls []string `json:"QueueUrls,omitempty" query:"QueueUrl,flat"`
	NextToken string   `json:"NextToken,omitempty"`
}

func (h handler) listQueues(ctx context.Context, in *listQueuesInput) (*listQueuesOutput, error) {
	var all []string
	if wire.HomeAccount(ctx) == nil { // other accounts have no queues
		all = h.svc.ListQueues(wire.Region(ctx), in.QueueNamePrefix)
	}
	names, next, err := page(all, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &listQueuesOutput{NextToken: next}
	for _, n := range names {
		out.QueueUrls = append(out.QueueUrls, h.queueURL(ctx, n))
	}
	return out, nil
}

type listDeadLetterSourceQueuesInput struct {
	queueRef
	NextToken  string `json:"NextToken"`
	MaxResults *int   `json:"MaxResults"`
}

type listDeadLetterSourceQueuesOutput struct {
	QueueUrls []string `json:"queueUrls" query:"QueueUrl,flat"`
	NextToken string   `json:"NextToken,omitempty"`
}

func (h handler) listDeadLetterSourceQueues(ctx context.Context, in *listDeadLetterSourceQueuesInput) (*listDeadLetterSourceQueuesOutput, error) {
	ref, err := h.queue(ctx, in.QueueUrl)
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
	out := &listDeadLetterSourceQueuesOutput{QueueUrls: []string{}, NextToken: next}
	for _, n := range names {
		out.QueueUrls = append(out.QueueUrls, h.queueURL(ctx, n))
	}
	return out, nil
}

// queueInput is the input of operations that take only a queue.
type queueInput struct {
	queueRef
}

func (h handler) deleteQueue(ctx context.Context, in *queueInput) error {
	ref, err := h.queue(ctx, in.QueueUrl)
	if err != nil {
		return err
	}
	return h.svc.DeleteQueue(ctx, ref)
}

func (h handler) purgeQueue(ctx context.Context, in *queueInput) error {
	ref, err := h.queue(ctx, in.QueueUrl)
	if err != nil {
		return err
	}
	return h.svc.PurgeQueue(ctx, ref)
}

type getQueueAttributesInput struct {
	queueRef
	AttributeNames []string `json:"AttributeNames" query:"AttributeName,flat"`
}

type attributesOutput struct {
	Attributes map[string]string `json:"Attributes,omitempty" query:"Attribute,flat,key=Name,value=Value"`
}

func (h handler) getQueueAttributes(ctx context.Context, in *getQueueAttributesInput) (*attributesOutput, error) {
	ref, err := h.queue(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	attrs, err := h.svc.QueueAttributes(ref, in.AttributeNames)
	if err != nil {
		return nil, err
	}
	return &attributesOutput{attrs}, nil
}

type setQueueAttributesInput struct {
	queueRef
	Attributes map[string]string `json:"Attributes" query:"Attribute,flat,key=Name,value=Value"`
}

func (h handler) setQueueAttributes(ctx context.Context, in *setQueueAttributesInput) error {
	ref, err := h.queue(ctx, in.QueueUrl)
	if err != nil {
		return err
	}
	if len(in.Attributes) == 0 {
		return awserr.New(sqs.ErrMissingParameter, "The request must contain the parameter Attributes.")
	}
	return h.svc.SetQueueAttributes(ctx, ref, in.Attributes)
}

type tagQueueInput struct {
	queueRef
	Tags map[string]string `json:"Tags" query:"Tag,flat,key=Key,value=Value"`
}

func (h handler) tagQueue(ctx context.Context, in *tagQueueInput) error {
	ref, err := h.queue(ctx, in.QueueUrl)
	if err != nil {
		return err
	}
	return h.svc.TagQueue(ctx, ref, in.Tags)
}

type untagQueueInput struct {
	queueRef
	TagKeys []string `json:"TagKeys" query:"TagKey,flat"`
}

func (h handler) untagQueue(ctx context.Context, in *untagQueueInput) error {
	ref, err := h.queue(ctx, in.QueueUrl)
	if err != nil {
		return err
	}
	return h.svc.UntagQueue(ctx, ref, in.TagKeys)
}

type tagsOutput struct {
	Tags map[string]string `json:"Tags,omitempty" query:"Tag,flat,key=Key,value=Value"`
}

func (h handler) listQueueTags(ctx context.Context, in *queueInput) (*tagsOutput, error) {
	ref, err := h.queue(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	tags, err := h.svc.QueueTags(ref)
	if err != nil {
		return nil, err
	}
	return &tagsOutput{tags}, nil
}
