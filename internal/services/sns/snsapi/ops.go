package snsapi

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"sort"
	"strconv"

	"github.com/nubo-dev/nubo/internal/api"
	"github.com/nubo-dev/nubo/internal/services/sns"
)

func decodeBase64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

func (h *Handler) routes() {
	h.ops = map[string]func(c *call) error{
		"CreateTopic":               h.createTopic,
		"DeleteTopic":               h.deleteTopic,
		"ListTopics":                h.listTopics,
		"GetTopicAttributes":        h.getTopicAttributes,
		"SetTopicAttributes":        h.setTopicAttributes,
		"Subscribe":                 h.subscribe,
		"ConfirmSubscription":       h.confirmSubscription,
		"Unsubscribe":               h.unsubscribe,
		"ListSubscriptions":         h.listSubscriptions,
		"ListSubscriptionsByTopic":  h.listSubscriptions,
		"GetSubscriptionAttributes": h.getSubscriptionAttributes,
		"SetSubscriptionAttributes": h.setSubscriptionAttributes,
		"Publish":                   h.publish,
		"PublishBatch":              h.publishBatch,
		"TagResource":               h.tagResource,
		"UntagResource":             h.untagResource,
		"ListTagsForResource":       h.listTagsForResource,
	}
}

func (h *Handler) createTopic(c *call) error {
	name, err := c.required("Name")
	if err != nil {
		return err
	}
	arn, err := h.svc.CreateTopic(c.r.Context(), api.Region(c.r.Context()), name, entries(c.form, "Attributes"), tags(c.form, "Tags"))
	if err != nil {
		return err
	}
	c.elem("TopicArn", arn)
	return nil
}

func (h *Handler) deleteTopic(c *call) error {
	arn, err := c.required("TopicArn")
	if err != nil {
		return err
	}
	return h.svc.DeleteTopic(c.r.Context(), arn)
}

// page cuts a list at NextToken (an index) into pages of 100.
func page[T any](items []T, token string) ([]T, string, error) {
	start := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", sns.Errorf(sns.ErrInvalidParameter, "Invalid parameter: NextToken")
		}
		start = n
	}
	end := min(start+100, len(items))
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}

func (h *Handler) listTopics(c *call) error {
	arns, next, err := page(h.svc.Topics(api.Region(c.r.Context())), c.get("NextToken"))
	if err != nil {
		return err
	}
	c.open("Topics")
	for _, a := range arns {
		c.open("member")
		c.elem("TopicArn", a)
		c.close("member")
	}
	c.close("Topics")
	if next != "" {
		c.elem("NextToken", next)
	}
	return nil
}

func (h *Handler) getTopicAttributes(c *call) error {
	arn, err := c.required("TopicArn")
	if err != nil {
		return err
	}
	attrs, err := h.svc.TopicAttributes(arn)
	if err != nil {
		return err
	}
	c.entriesXML("Attributes", attrs)
	return nil
}

func (h *Handler) setTopicAttributes(c *call) error {
	arn, err := c.required("TopicArn")
	if err != nil {
		return err
	}
	name, err := c.required("AttributeName")
	if err != nil {
		return err
	}
	return h.svc.SetTopicAttribute(c.r.Context(), arn, name, c.get("AttributeValue"))
}

func (h *Handler) subscribe(c *call) error {
	arn, err := c.required("TopicArn")
	if err != nil {
		return err
	}
	protocol, err := c.required("Protocol")
	if err != nil {
		return err
	}
	sub, err := h.svc.Subscribe(c.r.Context(), arn, protocol, c.get("Endpoint"), entries(c.form, "Attributes"), c.get("ReturnSubscriptionArn") == "true")
	if err != nil {
		return err
	}
	c.elem("SubscriptionArn", sub)
	return nil
}

func (h *Handler) confirmSubscription(c *call) error {
	arn, err := c.required("TopicArn")
	if err != nil {
		return err
	}
	token, err := c.required("Token")
	if err != nil {
		return err
	}
	sub, err := h.svc.ConfirmSubscription(c.r.Context(), arn, token)
	if err != nil {
		return err
	}
	c.elem("SubscriptionArn", sub)
	return nil
}

func (h *Handler) unsubscribe(c *call) error {
	arn, err := c.required("SubscriptionArn")
	if err != nil {
		return err
	}
	return h.svc.Unsubscribe(c.r.Context(), arn)
}

func (h *Handler) listSubscriptions(c *call) error {
	topic := ""
	if c.action == "ListSubscriptionsByTopic" {
		var err error
		if topic, err = c.required("TopicArn"); err != nil {
			return err
		}
	}
	subs, err := h.svc.Subscriptions(api.Region(c.r.Context()), topic)
	if err != nil {
		return err
	}
	subs, next, err := page(subs, c.get("NextToken"))
	if err != nil {
		return err
	}
	c.open("Subscriptions")
	for _, s := range subs {
		c.open("member")
		c.elem("SubscriptionArn", s.SubscriptionArn)
		c.elem("Owner", s.Owner)
		c.elem("Protocol", s.Protocol)
		c.elem("Endpoint", s.Endpoint)
		c.elem("TopicArn", s.TopicArn)
		c.close("member")
	}
	c.close("Subscriptions")
	if next != "" {
		c.elem("NextToken", next)
	}
	return nil
}

func (h *Handler) getSubscriptionAttributes(c *call) error {
	arn, err := c.required("SubscriptionArn")
	if err != nil {
		return err
	}
	attrs, err := h.svc.SubscriptionAttributes(arn)
	if err != nil {
		return err
	}
	c.entriesXML("Attributes", attrs)
	return nil
}

func (h *Handler) setSubscriptionAttributes(c *call) error {
	arn, err := c.required("SubscriptionArn")
	if err != nil {
		return err
	}
	name, err := c.required("AttributeName")
	if err != nil {
		return err
	}
	return h.svc.SetSubscriptionAttribute(c.r.Context(), arn, name, c.get("AttributeValue"))
}

// publishInput reads a message from fields (Publish's form or a batch
// entry's).
func publishInput(get func(string) string, attrs map[string]sns.MessageAttribute) *sns.PublishInput {
	return &sns.PublishInput{Message: get("Message"), Subject: get("Subject"), MessageStructure: get("MessageStructure"),
		Attributes: attrs, GroupID: get("MessageGroupId"), DeduplicationID: get("MessageDeduplicationId")}
}

func (h *Handler) publish(c *call) error {
	arn := c.get("TopicArn")
	if arn == "" {
		arn = c.get("TargetArn")
	}
	if arn == "" {
		if c.get("PhoneNumber") != "" {
			return sns.Errorf(sns.ErrInvalidParameter, "Invalid parameter: nubo does not send SMS")
		}
		return sns.Errorf(sns.ErrInvalidParameter, "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
	}
	attrs, err := messageAttributes(c.form, "MessageAttributes")
	if err != nil {
		return err
	}
	res, err := h.svc.PublishMessage(c.r.Context(), arn, publishInput(c.get, attrs))
	if err != nil {
		return err
	}
	c.elem("MessageId", res.MessageID)
	if res.SequenceNumber != "" {
		c.elem("SequenceNumber", res.SequenceNumber)
	}
	return nil
}

var batchIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

func (h *Handler) publishBatch(c *call) error {
	arn, err := c.required("TopicArn")
	if err != nil {
		return err
	}
	list := indexed(c.form, "PublishBatchRequestEntries.member")
	switch {
	case len(list) == 0:
		return sns.Errorf(sns.ErrEmptyBatch, "The batch request doesn't contain any entries")
	case len(list) > 10:
		return sns.Errorf(sns.ErrTooManyEntries, "The batch request contains more entries than permissible")
	}
	seen := map[string]bool{}
	ids := make([]string, len(list))
	inputs := make([]sns.PublishInput, len(list))
	for i, e := range list {
		ids[i] = e["Id"]
		if !batchIDRE.MatchString(ids[i]) {
			return sns.Errorf(sns.ErrInvalidBatchEntryID, "The Id of a batch entry in a batch request doesn't abide by the specification")
		}
		if seen[ids[i]] {
			return sns.Errorf(sns.ErrBatchIdsNotDistinct, "Two or more batch entries in the request have the same Id")
		}
		seen[ids[i]] = true
		form := map[string][]string{}
		for k, v := range e {
			form[k] = []string{v}
		}
		attrs, err := messageAttributes(form, "MessageAttributes")
		if err != nil {
			return err
		}
		get := func(k string) string { return e[k] }
		inputs[i] = *publishInput(get, attrs)
	}
	results, errs, err := h.svc.PublishBatch(c.r.Context(), arn, inputs)
	if err != nil {
		return err
	}
	c.open("Successful")
	for i, r := range results {
		if errs[i] != nil {
			continue
		}
		c.open("member")
		c.elem("Id", ids[i])
		c.elem("MessageId", r.MessageID)
		if r.SequenceNumber != "" {
			c.elem("SequenceNumber", r.SequenceNumber)
		}
		c.close("member")
	}
	c.close("Successful")
	c.open("Failed")
	for i, e := range errs {
		if e == nil {
			continue
		}
		code, msg := sns.ErrInternal.Code, e.Error()
		if se, ok := e.(*sns.Error); ok {
			code, msg = se.Class.Code, se.Message
		}
		c.open("member")
		c.elem("Id", ids[i])
		c.elem("Code", code)
		c.elem("Message", msg)
		c.elem("SenderFault", fmt.Sprint(code != sns.ErrInternal.Code))
		c.close("member")
	}
	c.close("Failed")
	return nil
}

func (h *Handler) tagResource(c *call) error {
	arn, err := c.required("ResourceArn")
	if err != nil {
		return err
	}
	return h.svc.TagResource(c.r.Context(), arn, tags(c.form, "Tags"))
}

func (h *Handler) untagResource(c *call) error {
	arn, err := c.required("ResourceArn")
	if err != nil {
		return err
	}
	return h.svc.UntagResource(c.r.Context(), arn, members(c.form, "TagKeys"))
}

func (h *Handler) listTagsForResource(c *call) error {
	arn, err := c.required("ResourceArn")
	if err != nil {
		return err
	}
	t, err := h.svc.Tags(arn)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	c.open("Tags")
	for _, k := range keys {
		c.open("member")
		c.elem("Key", k)
		c.elem("Value", t[k])
		c.close("member")
	}
	c.close("Tags")
	return nil
}
