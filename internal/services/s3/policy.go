package s3

import (
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/iam/policy"
)

// Policy is the bucket policy of the bucket an S3 ARN names
// (arn:aws:s3:::BUCKET or arn:aws:s3:::BUCKET/KEY), parsed, and the
// bucket's owner: what the identity layer weighs with the caller's own
// policies. No such bucket has no policy and no owner (the operation then
// says so).
func (s *Service) Policy(arn string) (*policy.Document, string, error) {
	path, ok := strings.CutPrefix(arn, "arn:aws:s3:::")
	if !ok {
		return nil, "", nil
	}
	name, _, _ := strings.Cut(path, "/")
	b, err := s.bucketNow(name)
	if err != nil {
		return nil, "", nil
	}
	b.mu.RLock()
	text, owner := b.rec.Policy, b.rec.Owner
	b.mu.RUnlock()
	if text == "" {
		return nil, owner, nil
	}
	doc, err := s.policies.Parse(text, policy.Resource)
	return doc, owner, err
}

// checkPolicy refuses a bucket policy the identity layer could not weigh,
// in the words of IAM's policy grammar.
func checkPolicy(text string) error {
	if _, err := policy.Parse(text, policy.Resource); err != nil {
		return awserr.New(ErrMalformedPolicy, "%s", err.Error())
	}
	return nil
}
