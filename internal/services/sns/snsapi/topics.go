package snsapi

import (
	"context"
	"sort"

	"github.com/nubo-dev/nubo/internal/wire"
)

// tag is a Tag of the SNS model (a list of them, not a map).
type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func tagMap(tags []tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[t.Key] = t.Value
	}
	return out
}

type createTopicInput struct {
	Name       string            `json:"Name"`
	Attributes map[string]string `json:"Attributes"`
	Tags       []tag             `json:"Tags"`
}

func (in *createTopicInput) Resource(ctx context.Context) string {
	if in.Name == "" {
		return ""
	}
	c := wire.CallOf(ctx)
	return "arn:aws:sns:" + c.Region + ":" + c.Account + ":" + in.Name
}

type topicARN struct {
	TopicArn string `json:"TopicArn"`
}

func (in *topicARN) Resource(ctx context.Context) string { return in.TopicArn }

func (h handler) createTopic(ctx context.Context, in *createTopicInput) (*topicARN, error) {
	if err := required("Name", in.Name); err != nil {
		return nil, err
	}
	arn, err := h.svc.CreateTopic(ctx, wire.Region(ctx), in.Name, in.Attributes, tagMap(in.Tags))
	if err != nil {
		return nil, err
	}
	return &topicARN{arn}, nil
}

func (h handler) deleteTopic(ctx context.Context, in *topicARN) error {
	if err := required("TopicArn", in.TopicArn); err != nil {
		return err
	}
	return h.svc.DeleteTopic(ctx, in.TopicArn)
}

type nextToken struct {
	NextToken string `json:"NextToken"`
}

type listTopicsOutput struct {
	Topics    []topicARN `json:"Topics"`
	NextToken string     `json:"NextToken,omitempty"`
}

func (h handler) listTopics(ctx context.Context, in *nextToken) (*listTopicsOutput, error) {
	var all []string
	if wire.HomeAccount(ctx) == nil { // other accounts have no topics
		all = h.svc.Topics(wire.Region(ctx))
	}
	arns, next, err := page(all, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &listTopicsOutput{Topics: []topicARN{}, NextToken: next}
	for _, a := range arns {
		out.Topics = append(out.Topics, topicARN{a})
	}
	return out, nil
}

type attributesOutput struct {
	Attributes map[string]string `json:"Attributes"`
}

func (h handler) getTopicAttributes(ctx context.Context, in *topicARN) (*attributesOutput, error) {
	if err := required("TopicArn", in.TopicArn); err != nil {
		return nil, err
	}
	attrs, err := h.svc.TopicAttributes(in.TopicArn)
	if err != nil {
		return nil, err
	}
	return &attributesOutput{attrs}, nil
}

type setTopicAttributesInput struct {
	TopicArn       string `json:"TopicArn"`
	AttributeName  string `json:"AttributeName"`
	AttributeValue string `json:"AttributeValue"`
}

func (in *setTopicAttributesInput) Resource(ctx context.Context) string { return in.TopicArn }

func (h handler) setTopicAttributes(ctx context.Context, in *setTopicAttributesInput) error {
	if err := required("TopicArn", in.TopicArn); err != nil {
		return err
	}
	if err := required("AttributeName", in.AttributeName); err != nil {
		return err
	}
	return h.svc.SetTopicAttribute(ctx, in.TopicArn, in.AttributeName, in.AttributeValue)
}

type tagResourceInput struct {
	ResourceArn string `json:"ResourceArn"`
	Tags        []tag  `json:"Tags"`
}

func (in *tagResourceInput) Resource(ctx context.Context) string { return in.ResourceArn }

func (h handler) tagResource(ctx context.Context, in *tagResourceInput) (*empty, error) {
	if err := required("ResourceArn", in.ResourceArn); err != nil {
		return nil, err
	}
	return &empty{}, h.svc.TagResource(ctx, in.ResourceArn, tagMap(in.Tags))
}

type untagResourceInput struct {
	ResourceArn string   `json:"ResourceArn"`
	TagKeys     []string `json:"TagKeys"`
}

func (in *untagResourceInput) Resource(ctx context.Context) string { return in.ResourceArn }

func (h handler) untagResource(ctx context.Context, in *untagResourceInput) (*empty, error) {
	if err := required("ResourceArn", in.ResourceArn); err != nil {
		return nil, err
	}
	return &empty{}, h.svc.UntagResource(ctx, in.ResourceArn, in.TagKeys)
}

type resourceARN struct {
	ResourceArn string `json:"ResourceArn"`
}

func (in *resourceARN) Resource(ctx context.Context) string { return in.ResourceArn }

type tagsOutput struct {
	Tags []tag `json:"Tags"`
}

func (h handler) listTagsForResource(ctx context.Context, in *resourceARN) (*tagsOutput, error) {
	if err := required("ResourceArn", in.ResourceArn); err != nil {
		return nil, err
	}
	t, err := h.svc.Tags(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	out := &tagsOutput{Tags: []tag{}}
	for k, v := range t {
		out.Tags = append(out.Tags, tag{k, v})
	}
	sort.Slice(out.Tags, func(i, j int) bool { return out.Tags[i].Key < out.Tags[j].Key })
	return out, nil
}
