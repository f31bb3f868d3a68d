package s3

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"

	"github.com/nubo-dev/nubo/internal/arn"
)

// NotificationConfiguration is a bucket's event notification setup:
// PutBucketNotificationConfiguration's body and its Get's answer.
type NotificationConfiguration struct {
	XMLName                      struct{}                      `json:"-" xml:"NotificationConfiguration"`
	TopicConfigurations          []TopicConfiguration          `json:"TopicConfigurations,omitempty" xml:"TopicConfiguration,omitempty"`
	QueueConfigurations          []QueueConfiguration          `json:"QueueConfigurations,omitempty" xml:"QueueConfiguration,omitempty"`
	LambdaFunctionConfigurations []LambdaFunctionConfiguration `json:"LambdaFunctionConfigurations,omitempty" xml:"CloudFunctionConfiguration,omitempty"`
	EventBridgeConfiguration     *EventBridgeConfiguration     `json:"EventBridgeConfiguration,omitempty" xml:"EventBridgeConfiguration,omitempty"`
}

// TopicConfiguration sends events to an SNS topic.
type TopicConfiguration struct {
	Id       string                           `json:"Id,omitempty" xml:"Id,omitempty"`
	TopicArn string                           `json:"TopicArn" xml:"Topic"`
	Events   []string                         `json:"Events" xml:"Event"`
	Filter   *NotificationConfigurationFilter `json:"Filter,omitempty" xml:"Filter,omitempty"`
}

// QueueConfiguration sends events to an SQS queue.
type QueueConfiguration struct {
	Id       string                           `json:"Id,omitempty" xml:"Id,omitempty"`
	QueueArn string                           `json:"QueueArn" xml:"Queue"`
	Events   []string                         `json:"Events" xml:"Event"`
	Filter   *NotificationConfigurationFilter `json:"Filter,omitempty" xml:"Filter,omitempty"`
}

// LambdaFunctionConfiguration invokes a Lambda function asynchronously.
type LambdaFunctionConfiguration struct {
	Id                string                           `json:"Id,omitempty" xml:"Id,omitempty"`
	LambdaFunctionArn string                           `json:"LambdaFunctionArn" xml:"CloudFunction"`
	Events            []string                         `json:"Events" xml:"Event"`
	Filter            *NotificationConfigurationFilter `json:"Filter,omitempty" xml:"Filter,omitempty"`
}

// EventBridgeConfiguration, when present, sends every event to the
// default event bus of the bucket's region.
type EventBridgeConfiguration struct{}

// NotificationConfigurationFilter filters events by object key.
type NotificationConfigurationFilter struct {
	Key *S3KeyFilter `json:"Key,omitempty" xml:"S3Key,omitempty"`
}

// S3KeyFilter holds at most one prefix and one suffix rule.
type S3KeyFilter struct {
	FilterRules []FilterRule `json:"FilterRules,omitempty" xml:"FilterRule,omitempty"`
}

// FilterRule is "prefix" or "suffix" and its value.
type FilterRule struct {
	Name  string `json:"Name" xml:"Name"`
	Value string `json:"Value" xml:"Value"`
}

// notificationEvents are the event types S3 accepts in a notification
// configuration (nubo emits some of them; the rest are accepted as S3
// does).
var notificationEvents = setOf(
	"s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:Post", "s3:ObjectCreated:Copy",
	"s3:ObjectCreated:CompleteMultipartUpload",
	"s3:ObjectRemoved:*", "s3:ObjectRemoved:Delete", "s3:ObjectRemoved:DeleteMarkerCreated",
	"s3:ObjectRestore:*", "s3:ObjectRestore:Post", "s3:ObjectRestore:Completed", "s3:ObjectRestore:Delete",
	"s3:ObjectTagging:*", "s3:ObjectTagging:Put", "s3:ObjectTagging:Delete",
	"s3:ObjectAcl:Put",
	"s3:LifecycleExpiration:*", "s3:LifecycleExpiration:Delete", "s3:LifecycleExpiration:DeleteMarkerCreated",
	"s3:LifecycleTransition", "s3:IntelligentTiering", "s3:ReducedRedundancyLostObject",
	"s3:Replication:*", "s3:Replication:OperationFailedReplication", "s3:Replication:OperationNotTracked",
	"s3:Replication:OperationMissedThreshold", "s3:Replication:OperationReplicatedAfterThreshold",
)

func setOf(items ...string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, it := range items {
		m[it] = true
	}
	return m
}

// Events nubo emits.
const (
	eventPut                 = "s3:ObjectCreated:Put"
	eventPost                = "s3:ObjectCreated:Post"
	eventCopy                = "s3:ObjectCreated:Copy"
	eventComplete            = "s3:ObjectCreated:CompleteMultipartUpload"
	eventDelete              = "s3:ObjectRemoved:Delete"
	eventDeleteMarker        = "s3:ObjectRemoved:DeleteMarkerCreated"
	eventTaggingPut          = "s3:ObjectTagging:Put"
	eventTaggingDelete       = "s3:ObjectTagging:Delete"
	eventExpirationDelete    = "s3:LifecycleExpiration:Delete"
	eventExpirationDelMarker = "s3:LifecycleExpiration:DeleteMarkerCreated"
)

// target is one configuration of any kind, as validation and matching
// see it.
type target struct {
	id, arn, service, argName string
	events                    []string
	prefix, suffix            string
}

// targets flattens a configuration (nil-safe).
func (c *NotificationConfiguration) targets() []*target {
	if c == nil {
		return nil
	}
	var ts []*target
	for i := range c.TopicConfigurations {
		t := &c.TopicConfigurations[i]
		ts = append(ts, &target{id: t.Id, arn: t.TopicArn, service: "sns", argName: "TopicArn", events: t.Events, prefix: filterValue(t.Filter, "prefix"), suffix: filterValue(t.Filter, "suffix")})
	}
	for i := range c.QueueConfigurations {
		q := &c.QueueConfigurations[i]
		ts = append(ts, &target{id: q.Id, arn: q.QueueArn, service: "sqs", argName: "QueueArn", events: q.Events, prefix: filterValue(q.Filter, "prefix"), suffix: filterValue(q.Filter, "suffix")})
	}
	for i := range c.LambdaFunctionConfigurations {
		l := &c.LambdaFunctionConfigurations[i]
		ts = append(ts, &target{id: l.Id, arn: l.LambdaFunctionArn, service: "lambda", argName: "CloudFunction", events: l.Events, prefix: filterValue(l.Filter, "prefix"), suffix: filterValue(l.Filter, "suffix")})
	}
	return ts
}

func filterValue(f *NotificationConfigurationFilter, name string) string {
	if f == nil || f.Key == nil {
		return ""
	}
	for _, r := range f.Key.FilterRules {
		if strings.EqualFold(r.Name, name) {
			return r.Value
		}
	}
	return ""
}

// eventMatches reports whether a configured event (maybe "…:*") covers
// event.
func eventMatches(pattern, event string) bool {
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(event, p)
	}
	return pattern == event
}

// eventsOverlap reports whether two configured events can match one event.
func eventsOverlap(a, b string) bool { return eventMatches(a, b) || eventMatches(b, a) }

// matches reports whether the target wants event for key.
func (t *target) matches(event, key string) bool {
	if !strings.HasPrefix(key, t.prefix) || !strings.HasSuffix(key, t.suffix) {
		return false
	}
	for _, e := range t.events {
		if eventMatches(e, event) {
			return true
		}
	}
	return false
}

// overlaps reports whether two targets could both match one event: a
// common event type, and prefixes and suffixes that do not exclude each
// other. S3 refuses such configurations as ambiguous.
func (t *target) overlaps(o *target) bool {
	prefixes := strings.HasPrefix(t.prefix, o.prefix) || strings.HasPrefix(o.prefix, t.prefix)
	suffixes := strings.HasSuffix(t.suffix, o.suffix) || strings.HasSuffix(o.suffix, t.suffix)
	if !prefixes || !suffixes {
		return false
	}
	for _, a := range t.events {
		for _, b := range o.events {
			if eventsOverlap(a, b) {
				return true
			}
		}
	}
	return false
}

// ValidateNotificationConfiguration checks a configuration as S3 does for
// a bucket in region: known events, well-formed filters, destination
// ARNs of the right service in the bucket's region, and no two
// configurations that overlap. It fills in missing Ids and spells filter
// rule names "Prefix" and "Suffix", as S3 returns them.
func ValidateNotificationConfiguration(c *NotificationConfiguration, region string) error {
	for _, t := range c.targets() {
		if err := checkTarget(t, region); err != nil {
			return err
		}
	}
	if err := normalizeFilters(c); err != nil {
		return err
	}
	ts := c.targets()
	for i := range ts {
		for j := i + 1; j < len(ts); j++ {
			if ts[i].overlaps(ts[j]) {
				return invalidArgument("Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.", "Event", strings.Join(ts[i].events, ","))
			}
		}
	}
	assignIDs(c)
	return nil
}

func checkTarget(t *target, region string) error {
	if len(t.events) == 0 {
		return malformedXML()
	}
	for _, e := range t.events {
		if !notificationEvents[e] {
			return invalidArgument("The event is not supported for notifications", "Event", e)
		}
	}
	a, err := arn.Parse(t.arn)
	if err != nil || a.Service != t.service || a.Region == "" || a.Account == "" {
		return invalidArgument("The ARN is not well formed", t.argName, t.arn)
	}
	if a.Region != region {
		return invalidArgument("The notification destination service region is not valid for the bucket location constraint", t.argName, t.arn)
	}
	return nil
}

// normalizeFilters checks each filter's rules (prefix or suffix, at most
// one of each) and capitalises their names.
func normalizeFilters(c *NotificationConfiguration) error {
	var filters []*NotificationConfigurationFilter
	for i := range c.TopicConfigurations {
		filters = append(filters, c.TopicConfigurations[i].Filter)
	}
	for i := range c.QueueConfigurations {
		filters = append(filters, c.QueueConfigurations[i].Filter)
	}
	for i := range c.LambdaFunctionConfigurations {
		filters = append(filters, c.LambdaFunctionConfigurations[i].Filter)
	}
	for _, f := range filters {
		if f == nil || f.Key == nil {
			continue
		}
		seen := map[string]bool{}
		for i, r := range f.Key.FilterRules {
			name := strings.ToLower(r.Name)
			switch {
			case name != "prefix" && name != "suffix":
				return invalidArgument("filter rule name must be either prefix or suffix", "FilterRule.Name", r.Name)
			case seen[name]:
				return invalidArgument("Cannot specify more than one "+name+" rule in a filter.", "FilterRule.Name", r.Name)
			}
			seen[name] = true
			f.Key.FilterRules[i].Name = strings.ToUpper(name[:1]) + name[1:]
		}
	}
	return nil
}

func assignIDs(c *NotificationConfiguration) {
	newID := func(id *string) {
		if *id == "" {
			var b [30]byte
			rand.Read(b[:])
			*id = base64.StdEncoding.EncodeToString(b[:])
		}
	}
	for i := range c.TopicConfigurations {
		newID(&c.TopicConfigurations[i].Id)
	}
	for i := range c.QueueConfigurations {
		newID(&c.QueueConfigurations[i].Id)
	}
	for i := range c.LambdaFunctionConfigurations {
		newID(&c.LambdaFunctionConfigurations[i].Id)
	}
}

// PutBucketNotificationConfigurationInput is the operation's request.
type PutBucketNotificationConfigurationInput struct {
	Bucket                    string                     `json:"Bucket"`
	NotificationConfiguration *NotificationConfiguration `json:"NotificationConfiguration"`
	// SkipDestinationValidation skips asking the Notifier whether each
	// destination exists and accepts S3's events.
	SkipDestinationValidation bool `json:"SkipDestinationValidation,omitempty"`
}

// DestinationChecker is implemented by a Notifier that can tell whether a
// destination exists and would accept the bucket's events (as S3 checks
// when a configuration is put); n has no Message.
type DestinationChecker interface {
	CheckDestination(ctx context.Context, n Notification) error
}
