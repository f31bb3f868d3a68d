// Package sns is nubo's SNS-compatible topic service: topics (standard and
// FIFO) and their attributes and tags, subscriptions of SQS queues, Lambda
// functions and HTTP(S) endpoints (confirmed through the real
// SubscriptionConfirmation flow), filter policies on attributes or body,
// raw delivery, AWS's envelopes and events, delivery retries and
// subscription dead-letter queues. Deliveries to queues and functions are
// stored before Publish answers; HTTP deliveries are durable jobs. The
// query protocol lives in package snsapi.
package sns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/eventfilter"
	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/targets"
)

// Deliverer delivers messages to queues and functions (package targets).
type Deliverer interface {
	Deliver(ctx context.Context, arn string, m targets.Message) error
	// DeliverAll delivers several at once and returns each one's error.
	DeliverAll(ctx context.Context, arns []string, ms []targets.Message) []error
}

// Options configures a Service.
type Options struct {
	Account string
	// BaseURL is where nubo is reached (SubscribeURL, UnsubscribeURL and
	// SigningCertURL point into it).
	BaseURL string
	// HTTPClient delivers to HTTP(S) endpoints.
	HTTPClient *http.Client
	// RetryDelay overrides the delay between HTTP delivery attempts of the
	// default delivery policy (20 seconds).
	RetryDelay time.Duration
	Logger     *slog.Logger
}

// Service owns topics and subscriptions.
type Service struct {
	kv      store.KV
	jobs    store.WorkQueue
	targets Deliverer
	opts    Options
	log     *slog.Logger
	signer  *signer

	mu       sync.RWMutex
	topics   map[string]*topic        // by ARN
	subs     map[string]*subscription // by ARN
	dedup    map[string]dedupEntry    // FIFO topics: topic ARN + id
	policies policy.Cache
}

type dedupEntry struct {
	messageID string
	seq       string
	expires   time.Time
}

type topic struct {
	ARN      string            `json:"arn"`
	Region   string            `json:"region"`
	Name     string            `json:"name"`
	Fifo     bool              `json:"fifo"`
	Attrs    map[string]string `json:"attrs"`
	Tags     map[string]string `json:"tags,omitempty"`
	LastSeq  uint64            `json:"-"`
	Deleted  int               `json:"deleted,omitempty"`
	Modified time.Time         `json:"modified"`
}

type subscription struct {
	ARN       string            `json:"arn"`
	TopicARN  string            `json:"topic"`
	Protocol  string            `json:"protocol"`
	Endpoint  string            `json:"endpoint"`
	Attrs     map[string]string `json:"attrs"`
	Confirmed bool              `json:"confirmed"`
	Token     string            `json:"token,omitempty"`
	filter    *eventfilter.Pattern
}

// New loads topics and subscriptions. jobs holds HTTP deliveries.
func New(ctx context.Context, kv store.KV, jobs store.WorkQueue, deliver Deliverer, opts Options) (*Service, error) {
	s := &Service{kv: kv, jobs: jobs, targets: deliver, opts: opts, log: opts.Logger,
		topics: map[string]*topic{}, subs: map[string]*subscription{}, dedup: map[string]dedupEntry{}}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.opts.HTTPClient == nil {
		s.opts.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if s.opts.RetryDelay == 0 {
		s.opts.RetryDelay = 20 * time.Second
	}
	var err error
	if s.signer, err = loadSigner(ctx, kv); err != nil {
		return nil, err
	}
	for _, kind := range []string{"topic", "sub"} {
		keys, err := kv.Keys(ctx, store.Key(kind))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("list sns %ss: %w", kind, err)
		}
		for _, k := range keys {
			e, err := kv.Get(ctx, k)
			if err != nil {
				return nil, fmt.Errorf("load %s: %w", k, err)
			}
			if kind == "topic" {
				var t topic
				if err := json.Unmarshal(e.Value, &t); err != nil {
					return nil, fmt.Errorf("load %s: %w", k, err)
				}
				s.topics[t.ARN] = &t
				continue
			}
			var sub subscription
			if err := json.Unmarshal(e.Value, &sub); err != nil {
				return nil, fmt.Errorf("load %s: %w", k, err)
			}
			sub.compile()
			s.subs[sub.ARN] = &sub
		}
	}
	return s, nil
}

func (sub *subscription) compile() {
	sub.filter = nil
	if p := sub.Attrs["FilterPolicy"]; p != "" {
		var err error
		sub.filter, err = eventfilter.CompileFilterPolicy([]byte(p), policyScope(sub.Attrs["FilterPolicyScope"]))
		if err != nil {
			// stored before SNS's limits were checked: keep filtering by it
			sub.filter, _ = eventfilter.Compile([]byte(p))
		}
	}
}

func topicKey(arn string) string { return store.Key("topic", arn) }
func subKey(arn string) string   { return store.Key("sub", arn) }

func (s *Service) put(ctx context.Context, key string, v any) error {
	b, _ := json.Marshal(v)
	if _, err := s.kv.Put(ctx, key, b); err != nil {
		return fmt.Errorf("save %s: %w", key, err)
	}
	return nil
}

// TopicARN is the ARN of a topic.
func (s *Service) TopicARN(region, name string) string {
	return "arn:aws:sns:" + region + ":" + s.opts.Account + ":" + name
}

var topicNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

var topicAttrs = map[string]bool{"DisplayName": true, "Policy": true, "DeliveryPolicy": true, "KmsMasterKeyId": true,
	"TracingConfig": true, "SignatureVersion": true, "ContentBasedDeduplication": true, "FifoTopic": true,
	"ArchivePolicy": true, "FifoThroughputScope": true}

// CreateTopic creates a topic, or returns the existing one's ARN.
func (s *Service) CreateTopic(ctx context.Context, region, name string, attrs, tags map[string]string) (string, error) {
	fifo := attrs["FifoTopic"] == "true"
	base, fifoName := strings.CutSuffix(name, ".fifo")
	if !topicNameRE.MatchString(base) || len(name) > 256 {
		return "", invalid("Topic Name")
	}
	if fifo != fifoName {
		return "", invalid("Topic Name")
	}
	for k, v := range attrs {
		if !topicAttrs[k] {
			return "", invalid("Attributes Reason: Unknown attribute %s", k)
		}
		if k == "ContentBasedDeduplication" && !fifo {
			return "", invalid("Attributes Reason: Content-based deduplication can only be set for FIFO topics")
		}
		if (k == "ContentBasedDeduplication" || k == "FifoTopic") && v != "true" && v != "false" {
			return "", invalid("Attributes Reason: %s must be true or false", k)
		}
	}
	if len(tags) > 50 {
		return "", awserr.New(ErrTagLimitExceeded, "Could not complete request: tag quota of per resource exceeded")
	}
	arn := s.TopicARN(region, name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.topics[arn]; t != nil {
		for k, v := range attrs {
			if k != "FifoTopic" && t.Attrs[k] != v {
				return "", invalid("Attributes Reason: Topic already exists with different attributes")
			}
		}
		return arn, nil
	}
	t := &topic{ARN: arn, Region: region, Name: name, Fifo: fifo, Attrs: map[string]string{}, Tags: maps.Clone(tags), Modified: time.Now()}
	for k, v := range attrs {
		if k != "FifoTopic" {
			t.Attrs[k] = v
		}
	}
	if err := s.put(ctx, topicKey(arn), t); err != nil {
		return "", err
	}
	s.topics[arn] = t
	return arn, nil
}

// DeleteTopic deletes a topic and its subscriptions; a missing topic is no
// error.
func (s *Service) DeleteTopic(ctx context.Context, arn string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.topics[arn] == nil {
		return nil
	}
	for _, sub := range s.subs {
		if sub.TopicARN == arn {
			if err := s.kv.Delete(ctx, subKey(sub.ARN)); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			delete(s.subs, sub.ARN)
		}
	}
	if err := s.kv.Delete(ctx, topicKey(arn)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	delete(s.topics, arn)
	return nil
}

// Topics lists a region's topic ARNs in order.
func (s *Service) Topics(region string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for arn, t := range s.topics {
		if t.Region == region {
			out = append(out, arn)
		}
	}
	sort.Strings(out)
	return out
}

func (s *Service) topic(arn string) (*topic, error) {
	t := s.topics[arn]
	if t == nil {
		return nil, topicNotFound()
	}
	return t, nil
}

// TopicAttributes returns every attribute of a topic.
func (s *Service) TopicAttributes(arn string) (map[string]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.topic(arn)
	if err != nil {
		return nil, err
	}
	out := map[string]string{
		"TopicArn": arn, "Owner": s.opts.Account, "DisplayName": "",
		"Policy":                  defaultPolicy(arn, s.opts.Account),
		"EffectiveDeliveryPolicy": defaultDeliveryPolicy,
		"SubscriptionsDeleted":    fmt.Sprint(t.Deleted),
	}
	pending, confirmed := 0, 0
	for _, sub := range s.subs {
		if sub.TopicARN == arn {
			if sub.Confirmed {
				confirmed++
			} else {
				pending++
			}
		}
	}
	out["SubscriptionsPending"], out["SubscriptionsConfirmed"] = fmt.Sprint(pending), fmt.Sprint(confirmed)
	if t.Fifo {
		out["FifoTopic"], out["ContentBasedDeduplication"] = "true", "false"
	}
	maps.Copy(out, t.Attrs)
	return out, nil
}

// SetTopicAttribute sets one attribute.
func (s *Service) SetTopicAttribute(ctx context.Context, arn, name, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.topic(arn)
	if err != nil {
		return err
	}
	if !topicAttrs[name] || name == "FifoTopic" {
		return invalid("AttributeName")
	}
	if name == "ContentBasedDeduplication" && !t.Fifo {
		return invalid("AttributeName")
	}
	if name == "DeliveryPolicy" && value != "" && !json.Valid([]byte(value)) {
		return invalid("AttributeValue")
	}
	if _, err := policy.Parse(value, policy.Resource); name == "Policy" && value != "" && err != nil {
		return invalid("Policy Error: %s", err.Error())
	}
	if name == "SignatureVersion" && value != "1" && value != "2" {
		return invalid("SignatureVersion: Invalid value [%s]. Must be 1 or 2.", value)
	}
	next := *t
	next.Attrs = maps.Clone(t.Attrs)
	next.Attrs[name] = value
	if err := s.put(ctx, topicKey(arn), &next); err != nil {
		return err
	}
	s.topics[arn] = &next
	return nil
}

func defaultPolicy(arn, account string) string {
	return `{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission","SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic","SNS:Publish"],"Resource":"` +
		arn + `","Condition":{"StringEquals":{"AWS:SourceOwner":"` + account + `"}}}]}`
}

const defaultDeliveryPolicy = `{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}`

// Tags, TagResource and UntagResource manage a topic's tags.
func (s *Service) Tags(arn string) (map[string]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.topics[arn]
	if t == nil {
		return nil, awserr.New(ErrResourceNotFound, "Resource does not exist")
	}
	return maps.Clone(t.Tags), nil
}

// TagResource adds or replaces tags.
func (s *Service) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	return s.changeTags(ctx, arn, func(t map[string]string) { maps.Copy(t, tags) })
}

// UntagResource removes tags.
func (s *Service) UntagResource(ctx context.Context, arn string, keys []string) error {
	return s.changeTags(ctx, arn, func(t map[string]string) {
		for _, k := range keys {
			delete(t, k)
		}
	})
}

func (s *Service) changeTags(ctx context.Context, arn string, change func(map[string]string)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.topics[arn]
	if t == nil {
		return awserr.New(ErrResourceNotFound, "Resource does not exist")
	}
	next := *t
	next.Tags = maps.Clone(t.Tags)
	if next.Tags == nil {
		next.Tags = map[string]string{}
	}
	change(next.Tags)
	if len(next.Tags) > 50 {
		return awserr.New(ErrTagLimitExceeded, "Could not complete request: tag quota of per resource exceeded")
	}
	if err := s.put(ctx, topicKey(arn), &next); err != nil {
		return err
	}
	s.topics[arn] = &next
	return nil
}

func newSubscriptionARN(topicARN string) string { return topicARN + ":" + uuid.NewString() }
