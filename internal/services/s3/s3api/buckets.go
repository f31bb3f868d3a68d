package s3api

import (
	"context"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/s3"
	"github.com/nubo-dev/nubo/internal/wire"
)

// bucketInput names a bucket: the input of every operation that needs
// nothing else.
type bucketInput struct {
	Bucket string `json:"-" wire:"path=Bucket"`
}

func (in *bucketInput) domain() *s3.BucketInput { return &s3.BucketInput{Bucket: in.Bucket} }

type createBucketInput struct {
	Bucket          string                        `json:"-" wire:"path=Bucket"`
	Config          *s3.CreateBucketConfiguration `json:"-" wire:"payload"`
	ACL             string                        `json:"-" wire:"header=x-amz-acl"`
	ObjectOwnership string                        `json:"-" wire:"header=x-amz-object-ownership"`
	ObjectLock      string                        `json:"-" wire:"header=x-amz-bucket-object-lock-enabled"`
}

type createBucketOutput struct {
	Location  string `json:"-" wire:"header=Location"`
	BucketArn string `json:"-" wire:"header=x-amz-bucket-arn"`
}

func (a *api) createBucket(ctx context.Context, in *createBucketInput) (*createBucketOutput, error) {
	if err := wire.HomeAccount(ctx); err != nil { // buckets are nubo's account's
		return nil, err
	}
	if in.ObjectLock == "true" {
		return nil, notImplemented("x-amz-bucket-object-lock-enabled")
	}
	if !cannedPrivate(in.ACL) {
		if in.ObjectOwnership == "" || in.ObjectOwnership == "BucketOwnerEnforced" {
			return nil, awserr.New(s3.ErrInvalidBucketACLOwnership, "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
		}
		return nil, notImplemented("x-amz-acl")
	}
	out, err := a.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: in.Bucket, CreateBucketConfiguration: in.Config,
		ACL: in.ACL, ObjectOwnership: in.ObjectOwnership})
	if err != nil {
		return nil, err
	}
	return &createBucketOutput{Location: out.Location, BucketArn: out.BucketArn}, nil
}

type headBucketOutput struct {
	BucketRegion     string `json:"-" wire:"header=x-amz-bucket-region"`
	AccessPointAlias string `json:"-" wire:"header=x-amz-access-point-alias"`
	BucketArn        string `json:"-" wire:"header=x-amz-bucket-arn"`
}

func (a *api) headBucket(ctx context.Context, in *bucketInput) (*headBucketOutput, error) {
	out, err := a.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: in.Bucket})
	if err != nil {
		return nil, err
	}
	return &headBucketOutput{BucketRegion: out.BucketRegion, AccessPointAlias: "false", BucketArn: out.BucketArn}, nil
}

func (a *api) deleteBucket(ctx context.Context, in *bucketInput) error {
	return a.s3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: in.Bucket})
}

// locationConstraint is GetBucketLocation's body: the region as the
// element's text ("" for us-east-1).
type locationConstraint struct {
	XMLName struct{} `json:"-" xml:"LocationConstraint"`
	Region  string   `json:"-" xml:",chardata"`
}

func (a *api) getBucketLocation(ctx context.Context, in *bucketInput) (*locationConstraint, error) {
	out, err := a.s3.GetBucketLocation(ctx, &s3.HeadBucketInput{Bucket: in.Bucket})
	if err != nil {
		return nil, err
	}
	return &locationConstraint{Region: out.LocationConstraint}, nil
}

// configInput is the input of a Put operation of a bucket configuration
// document T.
type configInput[T any] struct {
	Bucket string `json:"-" wire:"path=Bucket"`
	Doc    *T     `json:"-" wire:"payload"`
}

func (a *api) putBucketVersioning(ctx context.Context, in *configInput[s3.VersioningConfiguration]) error {
	return a.s3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: in.Bucket, VersioningConfiguration: in.Doc})
}

func (a *api) putBucketTagging(ctx context.Context, in *configInput[s3.Tagging]) error {
	return a.s3.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: in.Bucket, Tagging: in.Doc})
}

func (a *api) putBucketCors(ctx context.Context, in *configInput[s3.CORSConfiguration]) error {
	return a.s3.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: in.Bucket, CORSConfiguration: in.Doc})
}

func (a *api) putBucketLifecycle(ctx context.Context, in *configInput[s3.LifecycleConfiguration]) error {
	return a.s3.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: in.Bucket, LifecycleConfiguration: in.Doc})
}

func (a *api) putBucketOwnershipControls(ctx context.Context, in *configInput[s3.OwnershipControls]) error {
	return a.s3.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: in.Bucket, OwnershipControls: in.Doc})
}

func (a *api) putPublicAccessBlock(ctx context.Context, in *configInput[s3.PublicAccessBlockConfiguration]) error {
	return a.s3.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: in.Bucket, PublicAccessBlockConfiguration: in.Doc})
}

type putBucketNotificationInput struct {
	configInput[s3.NotificationConfiguration]
	SkipDestinationValidation bool `json:"-" wire:"header=x-amz-skip-destination-validation"`
}

func (a *api) putBucketNotification(ctx context.Context, in *putBucketNotificationInput) error {
	return a.s3.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{
		Bucket: in.Bucket, NotificationConfiguration: in.Doc, SkipDestinationValidation: in.SkipDestinationValidation})
}

type putBucketPolicyInput struct {
	Bucket string `json:"-" wire:"path=Bucket"`
	Policy []byte `json:"-" wire:"payload"`
}

func (a *api) putBucketPolicy(ctx context.Context, in *putBucketPolicyInput) error {
	return a.s3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: in.Bucket, Policy: string(in.Policy)})
}

type getBucketPolicyOutput struct {
	Policy []byte `json:"-" wire:"payload"`
}

func (a *api) getBucketPolicy(ctx context.Context, in *bucketInput) (*getBucketPolicyOutput, error) {
	out, err := a.s3.GetBucketPolicy(ctx, in.domain())
	if err != nil {
		return nil, err
	}
	return &getBucketPolicyOutput{Policy: []byte(out.Policy)}, nil
}

type getBucketLifecycleOutput struct {
	Doc                *s3.GetBucketLifecycleConfigurationOutput `json:"-" wire:"payload"`
	TransitionDefaults string                                    `json:"-" wire:"header=x-amz-transition-default-minimum-object-size"`
}

func (a *api) getBucketLifecycle(ctx context.Context, in *bucketInput) (*getBucketLifecycleOutput, error) {
	out, err := a.s3.GetBucketLifecycleConfiguration(ctx, in.domain())
	if err != nil {
		return nil, err
	}
	return &getBucketLifecycleOutput{Doc: out, TransitionDefaults: out.TransitionDefaultMinimumObjectSize}, nil
}

// get adapts a domain Get operation that takes a BucketInput.
func get[Out any](fn func(context.Context, *s3.BucketInput) (*Out, error)) func(context.Context, *bucketInput) (*Out, error) {
	return func(ctx context.Context, in *bucketInput) (*Out, error) { return fn(ctx, in.domain()) }
}

// del adapts a domain Delete operation that takes a BucketInput.
func del(fn func(context.Context, *s3.BucketInput) error) func(context.Context, *bucketInput) error {
	return func(ctx context.Context, in *bucketInput) error { return fn(ctx, in.domain()) }
}
