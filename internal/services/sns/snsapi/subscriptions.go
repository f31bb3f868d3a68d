package snsapi

import (
	"context"

	"github.com/nubo-dev/nubo/internal/wire"
)

type subscribeInput struct {
	TopicArn              string            `json:"TopicArn"`
	Protocol              string            `json:"Protocol"`
	Endpoint              string            `json:"Endpoint"`
	Attributes            map[string]string `json:"Attributes"`
	ReturnSubscriptionArn bool              `json:"ReturnSubscriptionArn"`
}

func (in *subscribeInput) Resource(ctx context.Context) string { return in.TopicArn }

type subscriptionARN struct {
	SubscriptionArn string `json:"SubscriptionArn"`
}

// Resource is the subscription's topic: SNS authorises what is done to a
// subscription on its topic.
func (in *subscriptionARN) Resource(ctx context.Context) string { return topicOf(in.SubscriptionArn) }

func (h handler) subscribe(ctx context.Context, in *subscribeInput) (*subscriptionARN, error) {
	if err := required("TopicArn", in.TopicArn); err != nil {
		return nil, err
	}
	if err := required("Protocol", in.Protocol); err != nil {
		return nil, err
	}
	sub, err := h.svc.Subscribe(ctx, in.TopicArn, in.Protocol, in.Endpoint, in.Attributes, in.ReturnSubscriptionArn)
	if err != nil {
		return nil, err
	}
	return &subscriptionARN{sub}, nil
}

type confirmSubscriptionInput struct {
	TopicArn string `json:"TopicArn"`
	Token    string `json:"Token"`
}

func (in *confirmSubscriptionInput) Resource(ctx context.Context) string { return in.TopicArn }

func (h handler) confirmSubscription(ctx context.Context, in *confirmSubscriptionInput) (*subscriptionARN, error) {
	if err := required("TopicArn", in.TopicArn); err != nil {
		return nil, err
	}
	if err := required("Token", in.Token); err != nil {
		return nil, err
	}
	sub, err := h.svc.ConfirmSubscription(ctx, in.TopicArn, in.Token)
	if err != nil {
		return nil, err
	}
	return &subscriptionARN{sub}, nil
}

func (h handler) unsubscribe(ctx context.Context, in *subscriptionARN) error {
	if err := required("SubscriptionArn", in.SubscriptionArn); err != nil {
		return err
	}
	return h.svc.Unsubscribe(ctx, in.SubscriptionArn)
}

type subscription struct {
	SubscriptionArn string `json:"SubscriptionArn"`
	Owner           string `json:"Owner"`
	Protocol        string `json:"Protocol"`
	Endpoint        string `json:"Endpoint"`
	TopicArn        string `json:"TopicArn"`
}

type listSubscriptionsOutput struct {
	Subscriptions []subscription `json:"Subscriptions"`
	NextToken     string         `json:"NextToken,omitempty"`
}

func (h handler) listSubscriptions(ctx context.Context, in *nextToken) (*listSubscriptionsOutput, error) {
	return h.list(ctx, "", in.NextToken)
}

type listSubscriptionsByTopicInput struct {
	TopicArn  string `json:"TopicArn"`
	NextToken string `json:"NextToken"`
}

func (in *listSubscriptionsByTopicInput) Resource(ctx context.Context) string { return in.TopicArn }

func (h handler) listSubscriptionsByTopic(ctx context.Context, in *listSubscriptionsByTopicInput) (*listSubscriptionsOutput, error) {
	if err := required("TopicArn", in.TopicArn); err != nil {
		return nil, err
	}
	return h.list(ctx, in.TopicArn, in.NextToken)
}

func (h handler) list(ctx context.Context, topic, token string) (*listSubscriptionsOutput, error) {
	if err := wire.HomeAccount(ctx); err != nil && topic == "" {
		return &listSubscriptionsOutput{Subscriptions: []subscription{}}, nil // other accounts have none
	}
	subs, err := h.svc.Subscriptions(wire.Region(ctx), topic)
	if err != nil {
		return nil, err
	}
	subs, next, err := page(subs, token)
	if err != nil {
		return nil, err
	}
	out := &listSubscriptionsOutput{Subscriptions: []subscription{}, NextToken: next}
	for _, s := range subs {
		out.Subscriptions = append(out.Subscriptions, subscription(s))
	}
	return out, nil
}

func (h handler) getSubscriptionAttributes(ctx context.Context, in *subscriptionARN) (*attributesOutput, error) {
	if err := required("SubscriptionArn", in.SubscriptionArn); err != nil {
		return nil, err
	}
	attrs, err := h.svc.SubscriptionAttributes(in.SubscriptionArn)
	if err != nil {
		return nil, err
	}
	return &attributesOutput{attrs}, nil
}

type setSubscriptionAttributesInput struct {
	SubscriptionArn string `json:"SubscriptionArn"`
	AttributeName   string `json:"AttributeName"`
	AttributeValue  string `json:"AttributeValue"`
}

func (in *setSubscriptionAttributesInput) Resource(ctx context.Context) string {
	return topicOf(in.SubscriptionArn)
}

func (h handler) setSubscriptionAttributes(ctx context.Context, in *setSubscriptionAttributesInput) error {
	if err := required("SubscriptionArn", in.SubscriptionArn); err != nil {
		return err
	}
	if err := required("AttributeName", in.AttributeName); err != nil {
		return err
	}
	return h.svc.SetSubscriptionAttribute(ctx, in.SubscriptionArn, in.AttributeName, in.AttributeValue)
}
