package sns

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/targets"
)

// MessageAttribute is a message attribute: DataType String, String.Array,
// Number or Binary.
type MessageAttribute struct {
	DataType    string
	StringValue string
	BinaryValue []byte
}

// PublishInput is one message to publish.
type PublishInput struct {
	Message          string
	Subject          string
	MessageStructure string
	Attributes       map[string]MessageAttribute
	GroupID          string
	DeduplicationID  string
}

// PublishResult is a published message.
type PublishResult struct {
	MessageID      string
	SequenceNumber string // FIFO topics
}

const (
	maxMessage  = 262144
	timeFormat  = "2006-01-02T15:04:05.000Z"
	dedupWindow = 5 * time.Minute
)

func newMessageID() string { return uuid.NewString() }

// Publish publishes a message to a topic, with the Publish operation's
// validation, and returns its id. It is the Go API of the asynchronous
// invocation queue (destination records and dead-letter messages).
func (s *Service) Publish(ctx context.Context, topicARN, message string, attrs map[string]MessageAttribute) (string, error) {
	in := PublishInput{Message: message, Attributes: attrs}
	s.mu.RLock()
	t := s.topics[topicARN]
	s.mu.RUnlock()
	if t != nil && t.Fifo {
		sum := sha256.Sum256([]byte(message))
		in.GroupID, in.DeduplicationID = "default", hex.EncodeToString(sum[:])
	}
	res, err := s.PublishMessage(ctx, topicARN, &in)
	return res.MessageID, err
}

func (s *Service) check(t *topic, in *PublishInput) error {
	if in.Message == "" {
		return invalid("Empty message")
	}
	size := len(in.Message)
	for n, a := range in.Attributes {
		size += len(n) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
	}
	if size > maxMessage {
		return invalid("Message too long")
	}
	if len(in.Subject) > 100 || strings.ContainsAny(in.Subject, "\n\r") || in.Subject != "" && strings.TrimSpace(in.Subject) == "" {
		return invalid("Subject")
	}
	if len(in.Attributes) > 10 {
		return invalid("Too many message attributes")
	}
	for n, a := range in.Attributes {
		if err := checkAttribute(n, a); err != nil {
			return err
		}
	}
	if in.MessageStructure != "" {
		if in.MessageStructure != "json" {
			return invalid("Invalid parameter: MessageStructure")
		}
		var m map[string]any
		if json.Unmarshal([]byte(in.Message), &m) != nil {
			return invalid("Message Structure - JSON message body failed to parse")
		}
		if _, ok := m["default"].(string); !ok {
			return invalid("Message Structure - No default entry in JSON message body")
		}
	}
	if t.Fifo {
		if in.GroupID == "" {
			return invalid("The MessageGroupId parameter is required for FIFO topics")
		}
		if in.DeduplicationID == "" && t.Attrs["ContentBasedDeduplication"] != "true" {
			return invalid("The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
		}
	} else if in.GroupID != "" || in.DeduplicationID != "" {
		return invalid("MessageGroupId Reason: The request includes MessageGroupId parameter that is not valid for this topic type")
	}
	return nil
}

func checkAttribute(name string, a MessageAttribute) error {
	if name == "" || len(name) > 256 || strings.HasPrefix(strings.ToLower(name), "aws.") {
		return invalid("Message attributes name is invalid")
	}
	switch a.DataType {
	case "String", "Number", "String.Array":
		if a.StringValue == "" {
			return awserr.New(ErrInvalidParameterVal, "The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, a.DataType)
		}
	case "Binary":
		if len(a.BinaryValue) == 0 {
			return awserr.New(ErrInvalidParameterVal, "The message attribute '%s' must contain non-empty message attribute value for message attribute type 'Binary'.", name)
		}
	default:
		if strings.HasPrefix(a.DataType, "String.") || strings.HasPrefix(a.DataType, "Number.") {
			return nil
		}
		return awserr.New(ErrInvalidParameterVal, "The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name)
	}
	if a.DataType == "Number" {
		if _, err := strconv.ParseFloat(a.StringValue, 64); err != nil {
			return awserr.New(ErrInvalidParameterVal, "Could not cast message attribute '%s' value to number.", name)
		}
	}
	if a.DataType == "String.Array" {
		var arr []any
		if json.Unmarshal([]byte(a.StringValue), &arr) != nil {
			return awserr.New(ErrInvalidParameterVal, "The message attribute '%s' with type 'String.Array' has an invalid value.", name)
		}
	}
	return nil
}

// PublishMessage publishes a message. Deliveries to queues and functions
// are stored, and HTTP deliveries queued, when it returns.
func (s *Service) PublishMessage(ctx context.Context, topicARN string, in *PublishInput) (PublishResult, error) {
	s.mu.Lock()
	t, err := s.topic(topicARN)
	if err != nil {
		s.mu.Unlock()
		return PublishResult{}, err
	}
	if err := s.check(t, in); err != nil {
		s.mu.Unlock()
		return PublishResult{}, err
	}
	now := time.Now()
	res := PublishResult{MessageID: newMessageID()}
	if t.Fifo {
		dedup := in.DeduplicationID
		if dedup == "" {
			sum := sha256.Sum256([]byte(in.Message))
			dedup = hex.EncodeToString(sum[:])
			in.DeduplicationID = dedup
		}
		key := topicARN + "\x00" + dedup
		if d, ok := s.dedup[key]; ok && now.Before(d.expires) {
			s.mu.Unlock()
			return PublishResult{MessageID: d.messageID, SequenceNumber: d.seq}, nil
		}
		t.LastSeq = max(t.LastSeq+1, uint64(now.UnixNano()))
		res.SequenceNumber = fmt.Sprintf("%020d", t.LastSeq)
		s.dedup[key] = dedupEntry{messageID: res.MessageID, seq: res.SequenceNumber, expires: now.Add(dedupWindow)}
		for k, d := range s.dedup {
			if now.After(d.expires) {
				delete(s.dedup, k)
			}
		}
	}
	var subscribers []*subscription
	for _, sub := range s.subs {
		if sub.TopicARN == topicARN && sub.Confirmed {
			subscribers = append(subscribers, sub)
		}
	}
	s.mu.Unlock()
	msg := &published{topic: t, in: in, id: res.MessageID, seq: res.SequenceNumber, time: now}
	// Deliveries to queues and functions go together, so that their
	// stores are waited for at once.
	var subs []*subscription
	var arns []string
	var msgs []targets.Message
	for _, sub := range subscribers {
		if !matches(sub, in) {
			continue
		}
		if target, m, ok := s.delivery(sub, msg); ok {
			subs, arns, msgs = append(subs, sub), append(arns, target), append(msgs, m)
		} else if err := s.deliverHTTP(ctx, sub, msg); err != nil {
			s.failed(ctx, sub, msg, err)
		}
	}
	for i, err := range s.targets.DeliverAll(ctx, arns, msgs) {
		if err != nil {
			s.failed(ctx, subs[i], msg, err)
		}
	}
	return res, nil
}

// failed sends a message whose delivery failed to the subscription's
// dead-letter queue.
func (s *Service) failed(ctx context.Context, sub *subscription, m *published, err error) {
	s.log.Warn("sns: delivery failed", "subscription", sub.ARN, "err", err)
	s.deadLetter(ctx, sub, m)
}

// published is a message on its way to subscribers.
type published struct {
	topic *topic
	in    *PublishInput
	id    string
	seq   string
	time  time.Time

	mu         sync.Mutex
	signatures map[string]*envelope // by message text: the signed envelope
}

// messageFor is the message a protocol gets: with MessageStructure json,
// its own entry or the default one.
func (m *published) messageFor(protocol string) string {
	if m.in.MessageStructure != "json" {
		return m.in.Message
	}
	var per map[string]any
	json.Unmarshal([]byte(m.in.Message), &per)
	if v, ok := per[protocol].(string); ok {
		return v
	}
	v, _ := per["default"].(string)
	return v
}

// matches applies a subscription's filter policy.
func matches(sub *subscription, in *PublishInput) bool {
	if sub.filter == nil {
		return true
	}
	if sub.Attrs["FilterPolicyScope"] == "MessageBody" {
		return sub.filter.MatchJSON([]byte(in.Message))
	}
	attrs := map[string]any{}
	for n, a := range in.Attributes {
		switch {
		case a.DataType == "String.Array":
			var arr []any
			dec := json.NewDecoder(strings.NewReader(a.StringValue))
			dec.UseNumber()
			dec.Decode(&arr)
			attrs[n] = arr
		case strings.HasPrefix(a.DataType, "Number"):
			attrs[n] = json.Number(a.StringValue)
		case strings.HasPrefix(a.DataType, "String"):
			attrs[n] = a.StringValue
		}
	}
	return sub.filter.Match(attrs)
}

// delivery is the message a queue or function subscriber gets, and its
// ARN; ok is false for other protocols (HTTP, see deliverHTTP).
func (s *Service) delivery(sub *subscription, m *published) (target string, msg targets.Message, ok bool) {
	switch sub.Protocol {
	case "sqs":
		msg = targets.Message{Body: []byte(m.messageFor("sqs"))}
		if sub.Attrs["RawMessageDelivery"] == "true" {
			msg.Attributes = queueAttributes(m.in.Attributes)
		} else {
			msg.Body, _ = json.Marshal(s.envelope(sub, m, string(msg.Body)))
		}
		if strings.HasSuffix(sub.Endpoint, ".fifo") {
			msg.GroupID, msg.DeduplicationID = m.in.GroupID, m.in.DeduplicationID
			if msg.GroupID == "" {
				msg.GroupID = "default"
			}
			if msg.DeduplicationID == "" {
				msg.DeduplicationID = m.id
			}
		}
		msg.Source = s.source(sub.TopicARN)
		return sub.Endpoint, msg, true
	case "lambda":
		payload, _ := json.Marshal(s.lambdaEvent(sub, m))
		return sub.Endpoint, targets.Message{Body: payload, Source: s.source(sub.TopicARN)}, true
	}
	return "", msg, false
}

// deliverHTTP queues a message to an HTTP(S) subscriber.
func (s *Service) deliverHTTP(ctx context.Context, sub *subscription, m *published) error {
	raw := sub.Attrs["RawMessageDelivery"] == "true"
	body := m.messageFor(sub.Protocol)
	if !raw {
		b, _ := json.Marshal(s.envelope(sub, m, body))
		body = string(b)
	}
	return s.enqueueHTTP(ctx, &httpJob{Subscription: sub.ARN, Endpoint: sub.Endpoint, Type: "Notification", MessageID: m.id,
		TopicARN: sub.TopicARN, Body: body, Raw: raw}, time.Time{})
}

// queueAttributes turns SNS message attributes into SQS ones for raw
// delivery (String.Array travels as String).
func queueAttributes(in map[string]MessageAttribute) map[string]targets.Attribute {
	if len(in) == 0 {
		return nil
	}
	out := map[string]targets.Attribute{}
	for n, a := range in {
		t := a.DataType
		if t == "String.Array" {
			t = "String"
		}
		out[n] = targets.Attribute{DataType: t, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
	}
	return out
}

// deadLetter sends a message that could not be delivered to the
// subscription's dead-letter queue, if it has one.
func (s *Service) deadLetter(ctx context.Context, sub *subscription, m *published) {
	var p struct{ DeadLetterTargetArn string }
	if json.Unmarshal([]byte(sub.Attrs["RedrivePolicy"]), &p) != nil || p.DeadLetterTargetArn == "" {
		return
	}
	b, _ := json.Marshal(s.envelope(sub, m, m.messageFor(sub.Protocol)))
	if err := s.targets.Deliver(ctx, p.DeadLetterTargetArn, targets.Message{Body: b, Source: s.source(sub.TopicARN)}); err != nil {
		s.log.Warn("sns: dead-letter queue", "subscription", sub.ARN, "err", err)
	}
}

// source is SNS delivering a topic's messages, as queue and function
// policies name it.
func (s *Service) source(topicARN string) targets.Source {
	return targets.Source{Service: "sns.amazonaws.com", ARN: topicARN, Account: s.opts.Account}
}

// PublishBatch publishes up to ten messages; each gets a result or an
// error.
func (s *Service) PublishBatch(ctx context.Context, topicARN string, entries []PublishInput) ([]PublishResult, []error, error) {
	s.mu.RLock()
	_, err := s.topic(topicARN)
	s.mu.RUnlock()
	if err != nil {
		return nil, nil, err
	}
	size := 0
	for _, e := range entries {
		size += len(e.Message)
	}
	if size > maxMessage {
		return nil, nil, awserr.New(ErrBatchRequestTooLong, "The length of all the messages put together is more than the limit.")
	}
	results := make([]PublishResult, len(entries))
	errs := make([]error, len(entries))
	for i := range entries {
		results[i], errs[i] = s.PublishMessage(ctx, topicARN, &entries[i])
	}
	return results, errs, nil
}
