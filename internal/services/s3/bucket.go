package s3

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/store"
)

// Owner is an account as S3 shows it.
type Owner struct {
	DisplayName string `json:"DisplayName,omitempty" xml:"DisplayName,omitempty"`
	ID          string `json:"ID" xml:"ID"`
}

// Tag is one tag of a bucket or object.
type Tag struct {
	Key   string `json:"Key" xml:"Key"`
	Value string `json:"Value" xml:"Value"`
}

// CreateBucketConfiguration is CreateBucket's body.
type CreateBucketConfiguration struct {
	LocationConstraint string `json:"LocationConstraint,omitempty" xml:"LocationConstraint,omitempty"`
	Tags               []Tag  `json:"Tags,omitempty" xml:"Tags>Tag,omitempty"`
}

// CreateBucketInput is CreateBucket's request.
type CreateBucketInput struct {
	Bucket                    string                     `json:"Bucket"`
	CreateBucketConfiguration *CreateBucketConfiguration `json:"CreateBucketConfiguration,omitempty"`
	ACL                       string                     `json:"ACL,omitempty"`
	ObjectOwnership           string                     `json:"ObjectOwnership,omitempty"`
}

// CreateBucketOutput is CreateBucket's response.
type CreateBucketOutput struct {
	Location  string `json:"Location"`
	BucketArn string `json:"BucketArn"`
}

// legacyLocations are LocationConstraint values that name a region by
// another name.
var legacyLocations = map[string]string{"EU": "eu-west-1"}

// CreateBucket creates a bucket in the caller's region (the signing
// region) or its LocationConstraint, which must be that region as AWS's
// regional endpoints require. Re-creating one's own bucket is
// BucketAlreadyOwnedByYou, except in us-east-1, where AWS answers 200.
func (s *Service) CreateBucket(ctx context.Context, in *CreateBucketInput) (*CreateBucketOutput, error) {
	if !ValidBucketName(in.Bucket) {
		return nil, invalidBucketName(in.Bucket)
	}
	c := s.caller(ctx)
	region, err := createRegion(in.CreateBucketConfiguration, c.Region)
	if err != nil {
		return nil, err
	}
	rec := bucketRecord{
		Name: in.Bucket, Region: region, Owner: c.Account, Created: s.opts.Now().UTC(),
		// What AWS gives new buckets since April 2023.
		Ownership:         &OwnershipControls{Rules: []OwnershipControlsRule{{ObjectOwnership: "BucketOwnerEnforced"}}},
		PublicAccessBlock: &PublicAccessBlockConfiguration{BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true},
	}
	if cfg := in.CreateBucketConfiguration; cfg != nil {
		if cfg.LocationConstraint == "EU" {
			rec.Region = "EU"
		}
		if len(cfg.Tags) > 0 {
			if err := checkBucketTags(cfg.Tags); err != nil {
				return nil, err
			}
			rec.Tags = cfg.Tags
		}
	}
	if in.ObjectOwnership != "" {
		if !validOwnership(in.ObjectOwnership) {
			return nil, invalidArgument("Invalid x-amz-object-ownership header: "+in.ObjectOwnership, "x-amz-object-ownership", in.ObjectOwnership)
		}
		rec.Ownership = &OwnershipControls{Rules: []OwnershipControlsRule{{ObjectOwnership: in.ObjectOwnership}}}
	}
	out := &CreateBucketOutput{Location: "/" + in.Bucket, BucketArn: bucketARN(in.Bucket)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.buckets[in.Bucket]; old != nil {
		return bucketExists(out, &old.rec, c.Account, region)
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	rev, err := s.kv.Create(ctx, bucketKey(in.Bucket), data)
	if errors.Is(err, store.ErrExists) { // another node's, not followed yet
		e, gerr := s.kv.Get(ctx, bucketKey(in.Bucket))
		var old bucketRecord
		if gerr == nil {
			gerr = json.Unmarshal(e.Value, &old)
		}
		if gerr != nil {
			return nil, fmt.Errorf("read bucket: %w", gerr)
		}
		return bucketExists(out, &old, c.Account, region)
	}
	if err != nil {
		return nil, fmt.Errorf("store bucket: %w", err)
	}
	nb := newBucket(rec, s.opts.Objects != nil)
	nb.rev = rev
	s.buckets[in.Bucket] = nb
	return out, nil
}

// bucketExists answers the creation of a bucket that exists: an error,
// or success for its owner in us-east-1.
func bucketExists(out *CreateBucketOutput, old *bucketRecord, account, region string) (*CreateBucketOutput, error) {
	switch {
	case old.Owner != account:
		return nil, awserr.New(ErrBucketAlreadyExists, msgBucketExists).With("BucketName", old.Name)
	case old.Region == "us-east-1" && region == "us-east-1":
		return out, nil
	}
	return nil, awserr.New(ErrBucketAlreadyOwnedByYou, msgBucketOwnedByYou).With("BucketName", old.Name)
}

// createRegion is the region a bucket is created in, refusing a
// LocationConstraint that the request's regional endpoint would refuse.
func createRegion(cfg *CreateBucketConfiguration, callerRegion string) (string, error) {
	lc := ""
	if cfg != nil {
		lc = cfg.LocationConstraint
	}
	switch {
	case lc == "" && callerRegion == "us-east-1":
		return "us-east-1", nil
	case lc == "":
		return "", awserr.New(ErrIllegalLocationConstraint, "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
	case lc == "us-east-1":
		return "", awserr.New(ErrInvalidLocationConstraint, "The specified location-constraint is not valid").With("LocationConstraint", lc)
	}
	region := lc
	if r, ok := legacyLocations[lc]; ok {
		region = r
	}
	if region != callerRegion {
		return "", awserr.New(ErrIllegalLocationConstraint, "The %s location constraint is incompatible for the region specific endpoint this request was sent to.", lc)
	}
	return region, nil
}

func bucketARN(name string) string { return arn.New("s3", "", "", name).String() }

// regionOf is the region a bucket lives in ("EU" buckets live in eu-west-1).
func regionOf(rec *bucketRecord) string {
	if r, ok := legacyLocations[rec.Region]; ok {
		return r
	}
	return rec.Region
}

// HeadBucketInput is HeadBucket's request.
type HeadBucketInput struct {
	Bucket string `json:"Bucket"`
}

// HeadBucketOutput is HeadBucket's response.
type HeadBucketOutput struct {
	BucketArn        string `json:"BucketArn"`
	BucketRegion     string `json:"BucketRegion"`
	AccessPointAlias bool   `json:"AccessPointAlias"`
}

// HeadBucket says whether a bucket exists, and its region.
func (s *Service) HeadBucket(ctx context.Context, in *HeadBucketInput) (*HeadBucketOutput, error) {
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	return &HeadBucketOutput{BucketArn: bucketARN(b.name), BucketRegion: regionOf(&b.rec)}, nil
}

// GetBucketLocationOutput is GetBucketLocation's response: "" for
// us-east-1, as AWS answers.
type GetBucketLocationOutput struct {
	LocationConstraint string `json:"LocationConstraint"`
}

// GetBucketLocation returns the bucket's LocationConstraint.
func (s *Service) GetBucketLocation(ctx context.Context, in *HeadBucketInput) (*GetBucketLocationOutput, error) {
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	lc := b.rec.Region
	if lc == "us-east-1" {
		lc = ""
	}
	return &GetBucketLocationOutput{LocationConstraint: lc}, nil
}

// DeleteBucketInput is DeleteBucket's request.
type DeleteBucketInput struct {
	Bucket string `json:"Bucket"`
}

// DeleteBucket deletes an empty bucket (no version, no delete marker);
// its multipart uploads in progress are aborted with it.
func (s *Service) DeleteBucket(ctx context.Context, in *DeleteBucketInput) error {
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return err
	}
	b.life.Lock()
	defer b.life.Unlock()
	b.mu.Lock()
	if b.deleted {
		b.mu.Unlock()
		return noSuchBucket(in.Bucket)
	}
	if !b.emptyLocked() {
		b.mu.Unlock()
		return awserr.New(ErrBucketNotEmpty, msgBucketNotEmpty).With("BucketName", in.Bucket)
	}
	var uploads []*upload
	b.uploads.Ascend(func(u *upload) bool { uploads = append(uploads, u); return true })
	b.mu.Unlock()
	for _, u := range uploads {
		if err := s.abortUpload(ctx, b, u); err != nil && !errors.Is(err, ErrNoSuchUpload) {
			return err
		}
	}
	if err := s.deleteRecord(ctx, bucketKey(in.Bucket)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete bucket: %w", err)
	}
	b.mu.Lock()
	b.deleted = true
	b.mu.Unlock()
	s.mu.Lock()
	delete(s.buckets, in.Bucket)
	s.mu.Unlock()
	return nil
}

// ListBucketsInput is ListBuckets' request.
type ListBucketsInput struct {
	MaxBuckets        *int32 `json:"MaxBuckets,omitempty"`
	ContinuationToken string `json:"ContinuationToken,omitempty"`
	Prefix            string `json:"Prefix,omitempty"`
	BucketRegion      string `json:"BucketRegion,omitempty"`
}

// Bucket is one bucket of ListBuckets.
type Bucket struct {
	Name         string    `json:"Name" xml:"Name"`
	CreationDate time.Time `json:"CreationDate" xml:"CreationDate"`
	BucketRegion string    `json:"BucketRegion,omitempty" xml:"BucketRegion,omitempty"`
	BucketArn    string    `json:"BucketArn,omitempty" xml:"BucketArn,omitempty"`
}

// ListBucketsOutput is ListBuckets' response.
type ListBucketsOutput struct {
	XMLName           struct{} `json:"-" xml:"ListAllMyBucketsResult"`
	Buckets           []Bucket `json:"Buckets" xml:"Buckets>Bucket"`
	Owner             *Owner   `json:"Owner" xml:"Owner"`
	ContinuationToken string   `json:"ContinuationToken,omitempty" xml:"ContinuationToken,omitempty"`
	Prefix            string   `json:"Prefix,omitempty" xml:"Prefix,omitempty"`
}

// ListBuckets lists the caller's buckets by name, MaxBuckets (1 to
// 10,000) at a time when asked, with an opaque ContinuationToken.
func (s *Service) ListBuckets(ctx context.Context, in *ListBucketsInput) (*ListBucketsOutput, error) {
	c := s.caller(ctx)
	if err := s.sync(ctx); err != nil {
		return nil, err
	}
	limit := 10000
	if in.MaxBuckets != nil {
		if *in.MaxBuckets < 1 || *in.MaxBuckets > 10000 {
			return nil, invalidArgument("Argument max-buckets must be an integer between 1 and 10000.", "max-buckets", fmt.Sprint(*in.MaxBuckets))
		}
		limit = int(*in.MaxBuckets)
	}
	after := ""
	if in.ContinuationToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.ContinuationToken)
		if err != nil {
			return nil, invalidArgument("The continuation token provided is incorrect", "continuation-token", in.ContinuationToken)
		}
		after = string(raw)
	}
	s.mu.RLock()
	var all []Bucket
	for _, b := range s.buckets {
		b.mu.RLock()
		rec := b.rec
		b.mu.RUnlock()
		region := regionOf(&rec)
		if rec.Owner != c.Account || !strings.HasPrefix(rec.Name, in.Prefix) || rec.Name <= after ||
			(in.BucketRegion != "" && in.BucketRegion != region) {
			continue
		}
		all = append(all, Bucket{Name: rec.Name, CreationDate: rec.Created, BucketRegion: region, BucketArn: bucketARN(rec.Name)})
	}
	s.mu.RUnlock()
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	out := &ListBucketsOutput{Buckets: []Bucket{}, Owner: s.owner(c.Account), Prefix: in.Prefix}
	if len(all) > limit {
		all = all[:limit]
		out.ContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(all[limit-1].Name))
	}
	out.Buckets = append(out.Buckets, all...)
	return out, nil
}

// updateBucket changes a bucket's record: fn edits a copy, which is stored
// and then swapped in. Changes to one bucket are serialised by the key lock
// of the empty key (no object has it).
func (s *Service) updateBucket(ctx context.Context, name string, fn func(*bucketRecord) error) error {
	b, release, err := s.commitBucket(ctx, name)
	if err != nil {
		return err
	}
	defer release()
	l := s.keyLock(name, "")
	l.Lock()
	defer l.Unlock()
	b.mu.RLock()
	rec := b.rec
	b.mu.RUnlock()
	if err := fn(&rec); err != nil {
		return err
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	rev, err := s.kv.Put(ctx, bucketKey(name), data)
	if err != nil {
		return fmt.Errorf("store bucket: %w", err)
	}
	b.mu.Lock()
	if rev > b.rev {
		b.rec, b.rev = rec, rev
	}
	b.mu.Unlock()
	return nil
}

// record returns a copy of the bucket's record.
func (s *Service) record(ctx context.Context, name string) (bucketRecord, error) {
	b, err := s.bucket(ctx, name)
	if err != nil {
		return bucketRecord{}, err
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.rec, nil
}
