package sns

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/eventfilter"
	"github.com/nubo-dev/nubo/internal/store"
)

var subscriptionAttrs = map[string]bool{"RawMessageDelivery": true, "FilterPolicy": true, "FilterPolicyScope": true,
	"RedrivePolicy": true, "DeliveryPolicy": true, "SubscriptionRoleArn": true}

// checkSubscriptionAttribute validates one attribute of a subscription
// (FilterPolicy apart: checkFilterPolicy needs its scope). subscribe says
// the call is Subscribe, whose messages say "Attributes Reason: ".
func checkSubscriptionAttribute(protocol, name, value string, subscribe bool) error {
	if !subscriptionAttrs[name] {
		return invalid("AttributeName")
	}
	switch name {
	case "RawMessageDelivery":
		if value != "true" && value != "false" {
			return invalid("Attributes Reason: RawMessageDelivery: Invalid value [%s]. Must be true or false.", value)
		}
		if protocol == "lambda" {
			return invalid("Attributes Reason: Delivery protocol [lambda] does not support raw message delivery.")
		}
	case "FilterPolicyScope":
		if value != "MessageAttributes" && value != "MessageBody" {
			return invalid("%sFilterPolicyScope: Invalid value [%s]. Please use either MessageBody or MessageAttributes", reasonPrefix(subscribe), value)
		}
	case "RedrivePolicy":
		if value == "" {
			return nil
		}
		var p struct{ DeadLetterTargetArn string }
		if json.Unmarshal([]byte(value), &p) != nil || !strings.HasPrefix(p.DeadLetterTargetArn, "arn:aws:sqs:") {
			return invalid("RedrivePolicy: deadLetterTargetArn is invalid")
		}
	case "DeliveryPolicy":
		if value != "" && !json.Valid([]byte(value)) {
			return invalid("DeliveryPolicy: failed to parse JSON")
		}
	}
	return nil
}

// checkFilterPolicy validates a filter policy for its scope as SNS does,
// with SNS's wording: "FilterPolicy: " and the reason, which names where in
// the policy the fault is.
func checkFilterPolicy(policy, scope string, subscribe bool) error {
	if policy == "" {
		return nil
	}
	_, err := eventfilter.CompileFilterPolicy([]byte(policy), policyScope(scope))
	switch {
	case errors.Is(err, eventfilter.ErrNestedPolicy):
		return invalid("%s%s", reasonPrefix(subscribe), err.Error())
	case err != nil:
		return invalid("%sFilterPolicy: %s", reasonPrefix(subscribe), err.Error())
	}
	return nil
}

// policyScope is a subscription's FilterPolicyScope, MessageAttributes
// when unset.
func policyScope(scope string) eventfilter.PolicyScope {
	if scope == string(eventfilter.ScopeBody) {
		return eventfilter.ScopeBody
	}
	return eventfilter.ScopeAttributes
}

func reasonPrefix(subscribe bool) string {
	if subscribe {
		return "Attributes Reason: "
	}
	return ""
}

func checkEndpoint(protocol, endpoint string) error {
	switch protocol {
	case "sqs":
		if !strings.HasPrefix(endpoint, "arn:aws:sqs:") || strings.Count(endpoint, ":") != 5 {
			return invalid("SQS endpoint ARN")
		}
	case "lambda":
		if !strings.HasPrefix(endpoint, "arn:aws:lambda:") {
			return invalid("Lambda endpoint ARN")
		}
	case "http", "https":
		u, err := url.Parse(endpoint)
		if err != nil || u.Scheme != protocol || u.Host == "" {
			return invalid("Endpoint must match the specified protocol")
		}
	default:
		return invalid("Amazon SNS does not support this protocol string: %s", protocol)
	}
	return nil
}

// PendingConfirmation is what Subscribe returns for a subscription that
// waits for its endpoint to confirm it.
const PendingConfirmation = "pending confirmation"

// Subscribe subscribes an endpoint. Queues and functions are confirmed at
// once; an HTTP(S) endpoint receives a SubscriptionConfirmation and the
// subscription stays pending until ConfirmSubscription.
func (s *Service) Subscribe(ctx context.Context, topicARN, protocol, endpoint string, attrs map[string]string, returnARN bool) (string, error) {
	if err := checkEndpoint(protocol, endpoint); err != nil {
		return "", err
	}
	for k, v := range attrs {
		if err := checkSubscriptionAttribute(protocol, k, v, true); err != nil {
			return "", err
		}
	}
	if err := checkFilterPolicy(attrs["FilterPolicy"], attrs["FilterPolicyScope"], true); err != nil {
		return "", err
	}
	s.mu.Lock()
	t, err := s.topic(topicARN)
	if err != nil {
		s.mu.Unlock()
		return "", err
	}
	if t.Fifo && protocol != "sqs" {
		s.mu.Unlock()
		return "", invalid("Invalid protocol type: %s", protocol)
	}
	for _, sub := range s.subs {
		if sub.TopicARN == topicARN && sub.Protocol == protocol && sub.Endpoint == endpoint {
			s.mu.Unlock()
			if !sub.Confirmed && !returnARN {
				return PendingConfirmation, nil
			}
			return sub.ARN, nil
		}
	}
	sub := &subscription{ARN: newSubscriptionARN(topicARN), TopicARN: topicARN, Protocol: protocol, Endpoint: endpoint,
		Attrs: maps.Clone(attrs), Confirmed: protocol == "sqs" || protocol == "lambda"}
	if sub.Attrs == nil {
		sub.Attrs = map[string]string{}
	}
	if !sub.Confirmed {
		sub.Token = token()
	}
	sub.compile()
	if err := s.put(ctx, subKey(sub.ARN), sub); err != nil {
		s.mu.Unlock()
		return "", err
	}
	s.subs[sub.ARN] = sub
	s.mu.Unlock()
	if !sub.Confirmed {
		if err := s.queueConfirmation(ctx, sub); err != nil {
			return "", err
		}
		if !returnARN {
			return PendingConfirmation, nil
		}
	}
	return sub.ARN, nil
}

func token() string {
	b := make([]byte, 64)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// ConfirmSubscription confirms a pending subscription by its token.
func (s *Service) ConfirmSubscription(ctx context.Context, topicARN, tok string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.topic(topicARN); err != nil {
		return "", err
	}
	for _, sub := range s.subs {
		if sub.TopicARN == topicARN && sub.Token != "" && sub.Token == tok {
			if !sub.Confirmed {
				next := *sub
				next.Confirmed = true
				if err := s.put(ctx, subKey(sub.ARN), &next); err != nil {
					return "", err
				}
				next.compile()
				s.subs[sub.ARN] = &next
			}
			return sub.ARN, nil
		}
	}
	return "", invalid("Token")
}

// Unsubscribe deletes a subscription.
func (s *Service) Unsubscribe(ctx context.Context, arn string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.subs[arn]
	if sub == nil {
		return awserr.New(ErrNotFound, "Subscription does not exist")
	}
	if err := s.kv.Delete(ctx, subKey(arn)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	delete(s.subs, arn)
	if t := s.topics[sub.TopicARN]; t != nil {
		t.Deleted++
	}
	return nil
}

// Subscription is a subscription as ListSubscriptions shows it.
type Subscription struct {
	SubscriptionArn, Owner, Protocol, Endpoint, TopicArn string
}

// Subscriptions lists a region's subscriptions, or a topic's.
func (s *Service) Subscriptions(region, topicARN string) ([]Subscription, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if topicARN != "" {
		if _, err := s.topic(topicARN); err != nil {
			return nil, err
		}
	}
	var out []Subscription
	for _, sub := range s.subs {
		t := s.topics[sub.TopicARN]
		if t == nil || t.Region != region || topicARN != "" && sub.TopicARN != topicARN {
			continue
		}
		arn := sub.ARN
		if !sub.Confirmed {
			arn = "PendingConfirmation"
		}
		out = append(out, Subscription{SubscriptionArn: arn, Owner: s.opts.Account, Protocol: sub.Protocol, Endpoint: sub.Endpoint, TopicArn: sub.TopicARN})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TopicArn+out[i].Endpoint < out[j].TopicArn+out[j].Endpoint })
	return out, nil
}

// SubscriptionAttributes returns a subscription's attributes.
func (s *Service) SubscriptionAttributes(arn string) (map[string]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sub := s.subs[arn]
	if sub == nil {
		return nil, awserr.New(ErrNotFound, "Subscription does not exist")
	}
	out := map[string]string{"SubscriptionArn": arn, "TopicArn": sub.TopicARN, "Owner": s.opts.Account, "Protocol": sub.Protocol,
		"Endpoint": sub.Endpoint, "ConfirmationWasAuthenticated": "true", "PendingConfirmation": "false", "RawMessageDelivery": "false",
		"SubscriptionPrincipal": "arn:aws:iam::" + s.opts.Account + ":root"}
	if !sub.Confirmed {
		out["PendingConfirmation"], out["ConfirmationWasAuthenticated"] = "true", "false"
	}
	if sub.Attrs["FilterPolicy"] != "" {
		out["FilterPolicyScope"] = "MessageAttributes"
	}
	if sub.Protocol == "http" || sub.Protocol == "https" {
		out["EffectiveDeliveryPolicy"] = `{"healthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"}}`
	}
	maps.Copy(out, sub.Attrs)
	return out, nil
}

// SetSubscriptionAttribute sets one attribute ("" removes a policy).
func (s *Service) SetSubscriptionAttribute(ctx context.Context, arn, name, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.subs[arn]
	if sub == nil {
		return awserr.New(ErrNotFound, "Subscription does not exist")
	}
	if err := checkSubscriptionAttribute(sub.Protocol, name, value, false); err != nil {
		return err
	}
	policy, scope := sub.Attrs["FilterPolicy"], sub.Attrs["FilterPolicyScope"]
	switch name {
	case "FilterPolicy":
		policy = value
	case "FilterPolicyScope":
		scope = value
	}
	if err := checkFilterPolicy(policy, scope, false); err != nil {
		return err
	}
	next := *sub
	next.Attrs = maps.Clone(sub.Attrs)
	if value == "" && name != "RawMessageDelivery" {
		delete(next.Attrs, name)
	} else {
		next.Attrs[name] = value
	}
	if err := s.put(ctx, subKey(arn), &next); err != nil {
		return err
	}
	next.compile()
	s.subs[arn] = &next
	return nil
}

// confirmationJob queues the SubscriptionConfirmation of an HTTP(S)
// subscription.
func (s *Service) queueConfirmation(ctx context.Context, sub *subscription) error {
	u := s.opts.BaseURL + ConfirmPath + "?Action=ConfirmSubscription&TopicArn=" + url.QueryEscape(sub.TopicARN) + "&Token=" + sub.Token
	env := &envelope{
		Type: "SubscriptionConfirmation", MessageID: newMessageID(), Token: sub.Token, TopicArn: sub.TopicARN,
		Message:      "You have chosen to subscribe to the topic " + sub.TopicARN + ".\nTo confirm the subscription, visit the SubscribeURL included in this message.",
		SubscribeURL: u, Timestamp: time.Now().UTC().Format(timeFormat),
	}
	s.mu.RLock()
	version := ""
	if t := s.topics[sub.TopicARN]; t != nil {
		version = t.Attrs["SignatureVersion"]
	}
	s.mu.RUnlock()
	s.signer.sign(env, s.opts.BaseURL, version)
	body, _ := json.Marshal(env)
	return s.enqueueHTTP(ctx, &httpJob{Subscription: sub.ARN, Endpoint: sub.Endpoint, Type: env.Type, MessageID: env.MessageID,
		TopicARN: sub.TopicARN, Body: string(body)}, time.Time{})
}
