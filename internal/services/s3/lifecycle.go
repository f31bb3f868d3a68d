package s3

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// LifecycleConfiguration is PutBucketLifecycleConfiguration's body.
type LifecycleConfiguration struct {
	XMLName struct{}        `json:"-" xml:"LifecycleConfiguration"`
	Rules   []LifecycleRule `json:"Rules" xml:"Rule"`
}

// LifecycleRule is one lifecycle rule.
type LifecycleRule struct {
	ID                             string                          `json:"ID,omitempty" xml:"ID,omitempty"`
	Status                         string                          `json:"Status" xml:"Status"`
	Prefix                         *string                         `json:"Prefix,omitempty" xml:"Prefix,omitempty"`
	Filter                         *LifecycleRuleFilter            `json:"Filter,omitempty" xml:"Filter,omitempty"`
	Expiration                     *LifecycleExpiration            `json:"Expiration,omitempty" xml:"Expiration,omitempty"`
	Transitions                    []Transition                    `json:"Transitions,omitempty" xml:"Transition,omitempty"`
	NoncurrentVersionTransitions   []NoncurrentVersionTransition   `json:"NoncurrentVersionTransitions,omitempty" xml:"NoncurrentVersionTransition,omitempty"`
	NoncurrentVersionExpiration    *NoncurrentVersionExpiration    `json:"NoncurrentVersionExpiration,omitempty" xml:"NoncurrentVersionExpiration,omitempty"`
	AbortIncompleteMultipartUpload *AbortIncompleteMultipartUpload `json:"AbortIncompleteMultipartUpload,omitempty" xml:"AbortIncompleteMultipartUpload,omitempty"`
}

// LifecycleRuleFilter selects the objects of a rule: one of its members.
type LifecycleRuleFilter struct {
	Prefix                *string                   `json:"Prefix,omitempty" xml:"Prefix,omitempty"`
	Tag                   *Tag                      `json:"Tag,omitempty" xml:"Tag,omitempty"`
	ObjectSizeGreaterThan *int64                    `json:"ObjectSizeGreaterThan,omitempty" xml:"ObjectSizeGreaterThan,omitempty"`
	ObjectSizeLessThan    *int64                    `json:"ObjectSizeLessThan,omitempty" xml:"ObjectSizeLessThan,omitempty"`
	And                   *LifecycleRuleAndOperator `json:"And,omitempty" xml:"And,omitempty"`
}

// LifecycleRuleAndOperator combines conditions.
type LifecycleRuleAndOperator struct {
	Prefix                *string `json:"Prefix,omitempty" xml:"Prefix,omitempty"`
	Tags                  []Tag   `json:"Tags,omitempty" xml:"Tag,omitempty"`
	ObjectSizeGreaterThan *int64  `json:"ObjectSizeGreaterThan,omitempty" xml:"ObjectSizeGreaterThan,omitempty"`
	ObjectSizeLessThan    *int64  `json:"ObjectSizeLessThan,omitempty" xml:"ObjectSizeLessThan,omitempty"`
}

// LifecycleExpiration expires current versions (Date or Days) or removes
// delete markers left alone (ExpiredObjectDeleteMarker).
type LifecycleExpiration struct {
	Date                      *time.Time `json:"Date,omitempty" xml:"Date,omitempty"`
	Days                      *int32     `json:"Days,omitempty" xml:"Days,omitempty"`
	ExpiredObjectDeleteMarker *bool      `json:"ExpiredObjectDeleteMarker,omitempty" xml:"ExpiredObjectDeleteMarker,omitempty"`
}

// Transition changes a current version's storage class.
type Transition struct {
	Date         *time.Time `json:"Date,omitempty" xml:"Date,omitempty"`
	Days         *int32     `json:"Days,omitempty" xml:"Days,omitempty"`
	StorageClass string     `json:"StorageClass" xml:"StorageClass"`
}

// NoncurrentVersionTransition changes a noncurrent version's storage class.
type NoncurrentVersionTransition struct {
	NoncurrentDays          *int32 `json:"NoncurrentDays,omitempty" xml:"NoncurrentDays,omitempty"`
	StorageClass            string `json:"StorageClass" xml:"StorageClass"`
	NewerNoncurrentVersions *int32 `json:"NewerNoncurrentVersions,omitempty" xml:"NewerNoncurrentVersions,omitempty"`
}

// NoncurrentVersionExpiration deletes noncurrent versions for good.
type NoncurrentVersionExpiration struct {
	NoncurrentDays          *int32 `json:"NoncurrentDays,omitempty" xml:"NoncurrentDays,omitempty"`
	NewerNoncurrentVersions *int32 `json:"NewerNoncurrentVersions,omitempty" xml:"NewerNoncurrentVersions,omitempty"`
}

// AbortIncompleteMultipartUpload aborts uploads left unfinished.
type AbortIncompleteMultipartUpload struct {
	DaysAfterInitiation *int32 `json:"DaysAfterInitiation,omitempty" xml:"DaysAfterInitiation,omitempty"`
}

// PutBucketLifecycleConfigurationInput is the operation's request.
type PutBucketLifecycleConfigurationInput struct {
	Bucket                 string                  `json:"Bucket"`
	LifecycleConfiguration *LifecycleConfiguration `json:"LifecycleConfiguration"`
}

// GetBucketLifecycleConfigurationOutput is GetBucketLifecycleConfiguration's
// answer.
type GetBucketLifecycleConfigurationOutput struct {
	XMLName                            struct{}        `json:"-" xml:"LifecycleConfiguration"`
	Rules                              []LifecycleRule `json:"Rules" xml:"Rule"`
	TransitionDefaultMinimumObjectSize string          `json:"TransitionDefaultMinimumObjectSize" xml:"-"`
}

var transitionClasses = setOf("GLACIER", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "DEEP_ARCHIVE", "GLACIER_IR")

// PutBucketLifecycleConfiguration validates and replaces the bucket's
// lifecycle rules, which the sweeper (Run) applies.
func (s *Service) PutBucketLifecycleConfiguration(ctx context.Context, in *PutBucketLifecycleConfigurationInput) error {
	cfg := in.LifecycleConfiguration
	if cfg == nil || len(cfg.Rules) == 0 || len(cfg.Rules) > 1000 {
		return malformedXML()
	}
	ids := map[string]bool{}
	rules := make([]LifecycleRule, len(cfg.Rules))
	for i, r := range cfg.Rules {
		if err := checkRule(&r); err != nil {
			return err
		}
		if r.ID == "" {
			var b [36]byte
			rand.Read(b[:])
			r.ID = base64.StdEncoding.EncodeToString(b[:])
		}
		if ids[r.ID] {
			return invalidArgument("Rule ID must be unique. Found same ID for more than one rule", "ID", r.ID)
		}
		ids[r.ID] = true
		rules[i] = r
	}
	return s.updateBucket(ctx, in.Bucket, func(rec *bucketRecord) error {
		rec.Lifecycle = rules
		return nil
	})
}

func positive(v *int32, msg, name string) error {
	if v != nil && *v <= 0 {
		return invalidArgument(msg, name, "")
	}
	return nil
}

// checkRule applies S3's checks to one rule.
func checkRule(r *LifecycleRule) error {
	if len(r.ID) > 255 {
		return invalidArgument("ID length should not exceed allowed limit of 255", "ID", r.ID)
	}
	if r.Status != "Enabled" && r.Status != "Disabled" {
		return malformedXML()
	}
	if r.Prefix != nil && r.Filter != nil || !validFilter(r.Filter) {
		return malformedXML()
	}
	if r.Expiration == nil && r.NoncurrentVersionExpiration == nil && r.AbortIncompleteMultipartUpload == nil &&
		len(r.Transitions) == 0 && len(r.NoncurrentVersionTransitions) == 0 {
		return invalidRequest("At least one action needs to be specified in a rule")
	}
	if e := r.Expiration; e != nil {
		n := btoi(e.Date != nil) + btoi(e.Days != nil) + btoi(e.ExpiredObjectDeleteMarker != nil)
		if n != 1 {
			return malformedXML()
		}
		if err := positive(e.Days, "'Days' for Expiration action must be a positive integer", "Days"); err != nil {
			return err
		}
		if e.Date != nil && !e.Date.Equal(e.Date.UTC().Truncate(24*time.Hour)) {
			return invalidArgument("'Date' must be at midnight GMT", "Date", e.Date.String())
		}
		if e.ExpiredObjectDeleteMarker != nil && hasTagFilter(r) {
			return invalidRequest("ExpiredObjectDeleteMarker cannot be specified with tags.")
		}
	}
	if e := r.NoncurrentVersionExpiration; e != nil {
		if e.NoncurrentDays == nil {
			return malformedXML()
		}
		if err := positive(e.NoncurrentDays, "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer", "NoncurrentDays"); err != nil {
			return err
		}
		if v := e.NewerNoncurrentVersions; v != nil && (*v < 1 || *v > 100) {
			return invalidArgument("'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer up to 100", "NewerNoncurrentVersions", "")
		}
	}
	if a := r.AbortIncompleteMultipartUpload; a != nil {
		if a.DaysAfterInitiation == nil {
			return malformedXML()
		}
		if err := positive(a.DaysAfterInitiation, "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer", "DaysAfterInitiation"); err != nil {
			return err
		}
		if hasTagFilter(r) {
			return invalidRequest("Tag-based filter cannot be used with AbortIncompleteMultipartUpload action")
		}
	}
	return checkTransitions(r)
}

func checkTransitions(r *LifecycleRule) error {
	for _, t := range r.Transitions {
		if !transitionClasses[t.StorageClass] || btoi(t.Date != nil)+btoi(t.Days != nil) != 1 {
			return malformedXML()
		}
		if t.Days != nil && *t.Days < 0 {
			return invalidArgument("'Days' in Transition action must be nonnegative", "Days", "")
		}
	}
	for _, t := range r.NoncurrentVersionTransitions {
		if !transitionClasses[t.StorageClass] || t.NoncurrentDays == nil || *t.NoncurrentDays < 0 {
			return malformedXML()
		}
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// validFilter reports whether a filter has at most one condition (And
// combining several).
func validFilter(f *LifecycleRuleFilter) bool {
	if f == nil {
		return true
	}
	n := btoi(f.Prefix != nil) + btoi(f.Tag != nil) + btoi(f.ObjectSizeGreaterThan != nil) + btoi(f.ObjectSizeLessThan != nil) + btoi(f.And != nil)
	return n <= 1
}

func hasTagFilter(r *LifecycleRule) bool {
	return r.Filter != nil && (r.Filter.Tag != nil || r.Filter.And != nil && len(r.Filter.And.Tags) > 0)
}

// GetBucketLifecycleConfiguration returns the bucket's lifecycle rules.
func (s *Service) GetBucketLifecycleConfiguration(ctx context.Context, in *BucketInput) (*GetBucketLifecycleConfigurationOutput, error) {
	rec, err := s.record(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if len(rec.Lifecycle) == 0 {
		return nil, awserr.New(ErrNoSuchLifecycleConfiguration, msgNoSuchLifecycle).With("BucketName", in.Bucket)
	}
	return &GetBucketLifecycleConfigurationOutput{Rules: rec.Lifecycle, TransitionDefaultMinimumObjectSize: "all_storage_classes_128K"}, nil
}

// DeleteBucketLifecycle removes the bucket's lifecycle rules.
func (s *Service) DeleteBucketLifecycle(ctx context.Context, in *BucketInput) error {
	return s.updateBucket(ctx, in.Bucket, func(r *bucketRecord) error {
		r.Lifecycle = nil
		return nil
	})
}

// ruleFilter is a rule's conditions, flattened.
type ruleFilter struct {
	prefix        string
	tags          []Tag
	greater, less *int64
}

func (r *LifecycleRule) filter() ruleFilter {
	var f ruleFilter
	if r.Prefix != nil {
		f.prefix = *r.Prefix
	}
	if fl := r.Filter; fl != nil {
		if fl.Prefix != nil {
			f.prefix = *fl.Prefix
		}
		if fl.Tag != nil {
			f.tags = []Tag{*fl.Tag}
		}
		f.greater, f.less = fl.ObjectSizeGreaterThan, fl.ObjectSizeLessThan
		if a := fl.And; a != nil {
			if a.Prefix != nil {
				f.prefix = *a.Prefix
			}
			f.tags, f.greater, f.less = a.Tags, a.ObjectSizeGreaterThan, a.ObjectSizeLessThan
		}
	}
	return f
}

// matches reports whether the rule applies to a version (a delete marker
// has no tags and no size, so tag and size conditions exclude it).
func (f ruleFilter) matches(v *version) bool {
	if !strings.HasPrefix(v.Key, f.prefix) {
		return false
	}
	if v.DeleteMarker {
		return len(f.tags) == 0 && f.greater == nil && f.less == nil
	}
	for _, t := range f.tags {
		if !hasTag(v.Tags, t) {
			return false
		}
	}
	return (f.greater == nil || v.Size > *f.greater) && (f.less == nil || v.Size < *f.less)
}

func hasTag(tags []Tag, t Tag) bool {
	for _, x := range tags {
		if x == t {
			return true
		}
	}
	return false
}

// dueAfter is when an action of days takes effect for something that
// started at start: days later, rounded up to the next midnight UTC, as S3
// counts.
func dueAfter(start time.Time, days int32) time.Time {
	t := start.UTC().Add(time.Duration(days) * 24 * time.Hour)
	d := t.Truncate(24 * time.Hour)
	if d.Before(t) {
		d = d.Add(24 * time.Hour)
	}
	return d
}

// expirationHeader is x-amz-expiration for a current version: when the
// first expiration rule that applies will expire it, and that rule's id.
func expirationHeader(rules []LifecycleRule, v *version) string {
	var due time.Time
	id := ""
	for i := range rules {
		r := &rules[i]
		e := r.Expiration
		if r.Status != "Enabled" || e == nil || !r.filter().matches(v) {
			continue
		}
		var d time.Time
		switch {
		case e.Days != nil:
			d = dueAfter(v.Modified, *e.Days)
		case e.Date != nil:
			d = *e.Date
		default:
			continue
		}
		if due.IsZero() || d.Before(due) {
			due, id = d, r.ID
		}
	}
	if due.IsZero() {
		return ""
	}
	return `expiry-date="` + due.UTC().Format(httpTime) + `", rule-id="` + id + `"`
}
