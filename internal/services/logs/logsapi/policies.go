package logsapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/services/logs"
)

// The account's resource policies (PutResourcePolicy): which services and
// accounts may write to which log groups. They are weighed together as
// every log group's policy, for API calls and for deliveries (an
// EventBridge rule's log group target).

var errLimitExceeded = &awserr.Code{Name: "LimitExceededException", Status: http.StatusBadRequest}

type resourcePolicy struct {
	PolicyName      string `json:"policyName"`
	PolicyDocument  string `json:"policyDocument"`
	LastUpdatedTime int64  `json:"lastUpdatedTime"`
}

func policyOut(p logs.ResourcePolicy) resourcePolicy {
	return resourcePolicy{PolicyName: p.Name, PolicyDocument: p.Document, LastUpdatedTime: p.Updated}
}

type putResourcePolicyInput struct {
	PolicyName     string `json:"policyName"`
	PolicyDocument string `json:"policyDocument"`
}

type putResourcePolicyOutput struct {
	ResourcePolicy resourcePolicy `json:"resourcePolicy"`
}

func (s *Service) putResourcePolicy(ctx context.Context, in *putResourcePolicyInput) (*putResourcePolicyOutput, error) {
	p, err := s.logs.PutResourcePolicy(ctx, in.PolicyName, in.PolicyDocument)
	if err != nil {
		return nil, policyError(err)
	}
	return &putResourcePolicyOutput{ResourcePolicy: policyOut(p)}, nil
}

type describeResourcePoliciesInput struct {
	NextToken string `json:"nextToken"`
	Limit     *int   `json:"limit"`
}

type describeResourcePoliciesOutput struct {
	ResourcePolicies []resourcePolicy `json:"resourcePolicies"`
}

// describeResourcePolicies lists every policy: an account has at most 10,
// one page.
func (s *Service) describeResourcePolicies(ctx context.Context, in *describeResourcePoliciesInput) (*describeResourcePoliciesOutput, error) {
	out := &describeResourcePoliciesOutput{ResourcePolicies: []resourcePolicy{}}
	for _, p := range s.logs.ResourcePolicies() {
		out.ResourcePolicies = append(out.ResourcePolicies, policyOut(p))
	}
	return out, nil
}

type deleteResourcePolicyInput struct {
	PolicyName string `json:"policyName"`
}

func (s *Service) deleteResourcePolicy(ctx context.Context, in *deleteResourcePolicyInput) error {
	if err := s.logs.DeleteResourcePolicy(ctx, in.PolicyName); err != nil {
		if errors.Is(err, logs.ErrPolicyNotFound) {
			return awserr.New(errResourceNotFound, "Policy with name [%s] does not exist", in.PolicyName)
		}
		return policyError(err)
	}
	return nil
}

func policyError(err error) error {
	switch {
	case errors.Is(err, logs.ErrPolicyLimit):
		return awserr.New(errLimitExceeded, "Resource limit exceeded.")
	case errors.Is(err, logs.ErrPolicyInvalid):
		return invalid("%s", strings.TrimPrefix(err.Error(), logs.ErrPolicyInvalid.Error()+": "))
	}
	return err
}

// policy is the policy of a log group or stream: the account's resource
// policies together.
func (s *Service) policy(ctx context.Context, arn string) (*policy.Document, string, error) {
	doc, err := s.logs.Policy()
	return doc, "", err
}
