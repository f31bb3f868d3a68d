package s3

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// Versioning states of a bucket ("" is never versioned).
const (
	VersioningEnabled   = "Enabled"
	VersioningSuspended = "Suspended"
)

// VersioningConfiguration is PutBucketVersioning's body and
// GetBucketVersioning's answer.
type VersioningConfiguration struct {
	XMLName   struct{} `json:"-" xml:"VersioningConfiguration"`
	MFADelete string   `json:"MFADelete,omitempty" xml:"MfaDelete,omitempty"`
	Status    string   `json:"Status,omitempty" xml:"Status,omitempty"`
}

// PutBucketVersioningInput is PutBucketVersioning's request.
type PutBucketVersioningInput struct {
	Bucket                  string                   `json:"Bucket"`
	VersioningConfiguration *VersioningConfiguration `json:"VersioningConfiguration"`
	MFA                     string                   `json:"MFA,omitempty"`
}

// BucketInput names a bucket: the request of the Get and Delete
// operations of bucket configurations.
type BucketInput struct {
	Bucket string `json:"Bucket"`
}

// PutBucketVersioning enables or suspends versioning. A bucket never goes
// back to unversioned; MFA delete is refused (nubo has no MFA devices).
func (s *Service) PutBucketVersioning(ctx context.Context, in *PutBucketVersioningInput) error {
	cfg := in.VersioningConfiguration
	if cfg == nil || (cfg.Status != VersioningEnabled && cfg.Status != VersioningSuspended && cfg.Status != "") {
		return malformedXML()
	}
	switch cfg.MFADelete {
	case "", "Disabled":
	case "Enabled":
		return awserr.New(ErrAccessDenied, "Mfa Authentication must be used for this request")
	default:
		return malformedXML()
	}
	return s.updateBucket(ctx, in.Bucket, func(r *bucketRecord) error {
		if cfg.Status != "" {
			r.Versioning = cfg.Status
		}
		if cfg.MFADelete != "" {
			r.MFADelete = cfg.MFADelete
		}
		return nil
	})
}

// GetBucketVersioning returns the versioning state (empty when never
// enabled).
func (s *Service) GetBucketVersioning(ctx context.Context, in *BucketInput) (*VersioningConfiguration, error) {
	rec, err := s.record(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	return &VersioningConfiguration{Status: rec.Versioning, MFADelete: rec.MFADelete}, nil
}

// Tagging is a tag set: the body of the Put*Tagging operations.
type Tagging struct {
	XMLName struct{} `json:"-" xml:"Tagging"`
	TagSet  []Tag    `json:"TagSet" xml:"TagSet>Tag"`
}

// PutBucketTaggingInput is PutBucketTagging's request.
type PutBucketTaggingInput struct {
	Bucket  string   `json:"Bucket"`
	Tagging *Tagging `json:"Tagging"`
}

// PutBucketTagging replaces the bucket's tags (up to 50).
func (s *Service) PutBucketTagging(ctx context.Context, in *PutBucketTaggingInput) error {
	if in.Tagging == nil {
		return malformedXML()
	}
	if err := checkBucketTags(in.Tagging.TagSet); err != nil {
		return err
	}
	return s.updateBucket(ctx, in.Bucket, func(r *bucketRecord) error {
		r.Tags = in.Tagging.TagSet
		return nil
	})
}

// GetBucketTagging returns the bucket's tags, or NoSuchTagSet.
func (s *Service) GetBucketTagging(ctx context.Context, in *BucketInput) (*Tagging, error) {
	rec, err := s.record(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if len(rec.Tags) == 0 {
		return nil, awserr.New(ErrNoSuchTagSet, msgNoSuchTagSet).With("BucketName", in.Bucket)
	}
	return &Tagging{TagSet: rec.Tags}, nil
}

// DeleteBucketTagging removes the bucket's tags.
func (s *Service) DeleteBucketTagging(ctx context.Context, in *BucketInput) error {
	return s.updateBucket(ctx, in.Bucket, func(r *bucketRecord) error {
		r.Tags = nil
		return nil
	})
}

// PutBucketPolicyInput is PutBucketPolicy's request.
type PutBucketPolicyInput struct {
	Bucket string `json:"Bucket"`
	Policy string `json:"Policy"`
}

// GetBucketPolicyOutput is GetBucketPolicy's response.
type GetBucketPolicyOutput struct {
	Policy string `json:"Policy"`
}

// PutBucketPolicy stores the bucket policy as given. It must be a JSON
// object with a Statement in IAM's policy grammar; the identity layer
// weighs it (Policy).
func (s *Service) PutBucketPolicy(ctx context.Context, in *PutBucketPolicyInput) error {
	var doc struct {
		Statement json.RawMessage `json:"Statement"`
	}
	trimmed := strings.TrimSpace(in.Policy)
	if !strings.HasPrefix(trimmed, "{") || json.Unmarshal([]byte(trimmed), &doc) != nil {
		return awserr.New(ErrMalformedPolicy, "Policies must be valid JSON and the first byte must be '{'")
	}
	if len(doc.Statement) == 0 {
		return awserr.New(ErrMalformedPolicy, "Missing required field Statement")
	}
	if len(in.Policy) > 20*1024 {
		return awserr.New(ErrMalformedPolicy, "Policy exceeds the maximum allowed document size.")
	}
	if err := checkPolicy(in.Policy); err != nil {
		return err
	}
	return s.updateBucket(ctx, in.Bucket, func(r *bucketRecord) error {
		r.Policy = in.Policy
		return nil
	})
}

// GetBucketPolicy returns the bucket policy, or NoSuchBucketPolicy.
func (s *Service) GetBucketPolicy(ctx context.Context, in *BucketInput) (*GetBucketPolicyOutput, error) {
	rec, err := s.record(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if rec.Policy == "" {
		return nil, awserr.New(ErrNoSuchBucketPolicy, msgNoSuchPolicy).With("BucketName", in.Bucket)
	}
	return &GetBucketPolicyOutput{Policy: rec.Policy}, nil
}

// DeleteBucketPolicy removes the bucket policy.
func (s *Service) DeleteBucketPolicy(ctx context.Context, in *BucketInput) error {
	return s.updateBucket(ctx, in.Bucket, func(r *bucketRecord) error {
		r.Policy = ""
		return nil
	})
}

// OwnershipControls is the bucket's object ownership setting.
type OwnershipControls struct {
	XMLName struct{}                `json:"-" xml:"OwnershipControls"`
	Rules   []OwnershipControlsRule `json:"Rules" xml:"Rule"`
}

// OwnershipControlsRule is its one rule.
type OwnershipControlsRule struct {
	ObjectOwnership string `json:"ObjectOwnership" xml:"ObjectOwnership"`
}

// PutBucketOwnershipControlsInput is PutBucketOwnershipControls' request.
type PutBucketOwnershipControlsInput struct {
	Bucket            string             `json:"Bucket"`
	OwnershipControls *OwnershipControls `json:"OwnershipControls"`
}

func validOwnership(v string) bool {
	return v == "BucketOwnerPreferred" || v == "ObjectWriter" || v == "BucketOwnerEnforced"
}

// PutBucketOwnershipControls sets the bucket's object ownership (new
// buckets have BucketOwnerEnforced, as on AWS since 2023).
func (s *Service) PutBucketOwnershipControls(ctx context.Context, in *PutBucketOwnershipControlsInput) error {
	oc := in.OwnershipControls
	if oc == nil || len(oc.Rules) != 1 || !validOwnership(oc.Rules[0].ObjectOwnership) {
		return malformedXML()
	}
	return s.updateBucket(ctx, in.Bucket, func(r *bucketRecord) error {
		r.Ownership = &OwnershipControls{Rules: oc.Rules}
		return nil
	})
}

// GetBucketOwnershipControls returns the bucket's ownership controls.
func (s *Service) GetBucketOwnershipControls(ctx context.Context, in *BucketInput) (*OwnershipControls, error) {
	rec, err := s.record(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if rec.Ownership == nil {
		return nil, awserr.New(ErrOwnershipControlsNotFound, msgNoSuchOwnership).With("BucketName", in.Bucket)
	}
	return rec.Ownership, nil
}

// DeleteBucketOwnershipControls removes them.
func (s *Service) DeleteBucketOwnershipControls(ctx context.Context, in *BucketInput) error {
	return s.updateBucket(ctx, in.Bucket, func(r *bucketRecord) error {
		r.Ownership = nil
		return nil
	})
}

// PublicAccessBlockConfiguration is the bucket's public access block.
type PublicAccessBlockConfiguration struct {
	XMLName               struct{} `json:"-" xml:"PublicAccessBlockConfiguration"`
	BlockPublicAcls       bool     `json:"BlockPublicAcls" xml:"BlockPublicAcls"`
	IgnorePublicAcls      bool     `json:"IgnorePublicAcls" xml:"IgnorePublicAcls"`
	BlockPublicPolicy     bool     `json:"BlockPublicPolicy" xml:"BlockPublicPolicy"`
	RestrictPublicBuckets bool     `json:"RestrictPublicBuckets" xml:"RestrictPublicBuckets"`
}

// PutPublicAccessBlockInput is PutPublicAccessBlock's request.
type PutPublicAccessBlockInput struct {
	Bucket                         string                          `json:"Bucket"`
	PublicAccessBlockConfiguration *PublicAccessBlockConfiguration `json:"PublicAccessBlockConfiguration"`
}

// PutPublicAccessBlock sets the bucket's public access block (new buckets
// block everything, as on AWS since 2023).
func (s *Service) PutPublicAccessBlock(ctx context.Context, in *PutPublicAccessBlockInput) error {
	if in.PublicAccessBlockConfiguration == nil {
		return malformedXML()
	}
	c := *in.PublicAccessBlockConfiguration
	return s.updateBucket(ctx, in.Bucket, func(r *bucketRecord) error {
		r.PublicAccessBlock = &c
		return nil
	})
}

// GetPublicAccessBlock returns the bucket's public access block.
func (s *Service) GetPublicAccessBlock(ctx context.Context, in *BucketInput) (*PublicAccessBlockConfiguration, error) {
	rec, err := s.record(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if rec.PublicAccessBlock == nil {
		return nil, awserr.New(ErrNoSuchPublicAccessBlock, msgNoSuchPAB).With("BucketName", in.Bucket)
	}
	return rec.PublicAccessBlock, nil
}

// DeletePublicAccessBlock removes it.
func (s *Service) DeletePublicAccessBlock(ctx context.Context, in *BucketInput) error {
	return s.updateBucket(ctx, in.Bucket, func(r *bucketRecord) error {
		r.PublicAccessBlock = nil
		return nil
	})
}
