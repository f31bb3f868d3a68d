package control

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// A function's resource-based policies: one for the function (its
// unqualified ARN and $LATEST) and one per version or alias, each kept in
// the function's record as the document GetPolicy returns, with a
// revision of its own.

// storedPolicy is one resource-based policy.
type storedPolicy struct {
	Document   string `json:"doc"`
	RevisionId string `json:"rev"`
}

// policyDocument is the document's shape, its statements kept as written.
type policyDocument struct {
	Version   string            `json:"Version"`
	Id        string            `json:"Id"`
	Statement []json.RawMessage `json:"Statement"`
}

// statement is a statement as AddPermission writes it, in AWS's order.
type statement struct {
	Sid       string                       `json:"Sid"`
	Effect    string                       `json:"Effect"`
	Principal any                          `json:"Principal"`
	Action    string                       `json:"Action"`
	Resource  string                       `json:"Resource"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

// policyKey is the key of a qualifier's policy in the record ("" for the
// function's own, which $LATEST shares).
func policyKey(qualifier string) string {
	if qualifier == lambda.Latest {
		return ""
	}
	return qualifier
}

// AddPermission adds a statement to the policy of a function, version or
// alias and returns it.
func (s *Service) AddPermission(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef, in *lambda.AddPermissionInput) (*lambda.AddPermissionOutput, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if ref.Qualifier == lambda.Latest {
		return nil, lambda.Errorf(lambda.ErrInvalidParameterValue, "We currently do not support adding policies for $LATEST.")
	}
	st, err := newStatement(scope.QualifiedARN(ref.Name, ref.Qualifier), in)
	if err != nil {
		return nil, err
	}
	raw, _ := json.Marshal(st)
	if err := s.qualifierExists(ctx, scope, ref); err != nil {
		return nil, err
	}
	_, err = s.modifyFunction(ctx, scope, ref.Name, func(r *functionRecord) error {
		return r.addStatement(policyKey(ref.Qualifier), in.StatementId, in.RevisionId, raw)
	})
	if err != nil {
		return nil, err
	}
	return &lambda.AddPermissionOutput{Statement: string(raw)}, nil
}

// qualifierExists refuses a version or alias that does not exist.
func (s *Service) qualifierExists(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef) error {
	switch {
	case ref.Qualifier == "":
		return nil
	case lambda.IsVersion(ref.Qualifier):
		_, err := s.loadVersion(ctx, scope, ref.Name, ref.Qualifier)
		return err
	}
	if _, err := s.loadAlias(ctx, scope, ref.Name, ref.Qualifier); err != nil {
		return lambda.FunctionNotFound(scope.QualifiedARN(ref.Name, ref.Qualifier))
	}
	return nil
}

func (r *functionRecord) addStatement(key, sid, revision string, raw []byte) error {
	p := r.Policies[key]
	doc := policyDocument{Version: policy.Version2012, Id: "default"}
	if p != nil {
		if revision != "" && revision != p.RevisionId {
			return policyRevisionMismatch()
		}
		json.Unmarshal([]byte(p.Document), &doc)
		if statementIndex(doc.Statement, sid) >= 0 {
			return lambda.Errorf(lambda.ErrResourceConflict,
				"The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", sid)
		}
	} else if revision != "" && revision != r.Latest.RevisionId {
		return policyRevisionMismatch()
	}
	doc.Statement = append(doc.Statement, raw)
	text, _ := json.Marshal(doc)
	if len(text) > lambda.MaxPolicySize {
		return lambda.Errorf(lambda.ErrPolicyLengthExceeded, "The final policy size (%d) is bigger than the limit (%d).", len(text), lambda.MaxPolicySize)
	}
	if r.Policies == nil {
		r.Policies = map[string]*storedPolicy{}
	}
	r.Policies[key] = &storedPolicy{Document: string(text), RevisionId: newRevision()}
	return nil
}

// RemovePermission removes a statement from the policy of a function,
// version or alias.
func (s *Service) RemovePermission(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef, sid, revision string) error {
	if err := s.qualifierExists(ctx, scope, ref); err != nil {
		return err
	}
	_, err := s.modifyFunction(ctx, scope, ref.Name, func(r *functionRecord) error {
		key := policyKey(ref.Qualifier)
		p := r.Policies[key]
		var doc policyDocument
		if p != nil {
			json.Unmarshal([]byte(p.Document), &doc)
		}
		i := statementIndex(doc.Statement, sid)
		switch {
		case p == nil:
			return lambda.Errorf(lambda.ErrResourceNotFound, "No policy is associated with the given resource.")
		case revision != "" && revision != p.RevisionId:
			return policyRevisionMismatch()
		case i < 0:
			return lambda.Errorf(lambda.ErrResourceNotFound, "Statement %s is not found in resource policy.", sid)
		}
		doc.Statement = append(doc.Statement[:i], doc.Statement[i+1:]...)
		if len(doc.Statement) == 0 {
			delete(r.Policies, key)
			return nil
		}
		text, _ := json.Marshal(doc)
		r.Policies[key] = &storedPolicy{Document: string(text), RevisionId: newRevision()}
		return nil
	})
	return err
}

// GetPolicy returns the policy of a function, version or alias.
func (s *Service) GetPolicy(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef) (*lambda.GetPolicyOutput, error) {
	if err := s.qualifierExists(ctx, scope, ref); err != nil {
		return nil, err
	}
	rec, _, err := s.loadFunction(ctx, scope, ref.Name)
	if err != nil {
		return nil, err
	}
	p := rec.Policies[policyKey(ref.Qualifier)]
	if p == nil {
		return nil, lambda.Errorf(lambda.ErrResourceNotFound, "The resource you requested does not exist.")
	}
	return &lambda.GetPolicyOutput{Policy: p.Document, RevisionId: p.RevisionId}, nil
}

// Policy is the resource-based policy that applies to a function ARN
// (unqualified, or of a version or alias), for authorisation: nil when
// there is none or no such function.
func (s *Service) Policy(ctx context.Context, functionARN string) (*policy.Document, error) {
	a, err := arn.Parse(functionARN)
	if err != nil {
		return nil, nil
	}
	name, qualifier, ok := a.Function()
	if !ok {
		return nil, nil
	}
	rec, err := cached[functionRecord](ctx, s, functionKey(lambda.Scope{Account: a.Account, Region: a.Region}, name))
	if err != nil || rec.Policies[policyKey(qualifier)] == nil {
		return nil, nil
	}
	return s.policies.Parse(rec.Policies[policyKey(qualifier)].Document, policy.Resource)
}

// dropPolicy forgets the policy of a deleted version or alias.
func (s *Service) dropPolicy(ctx context.Context, scope lambda.Scope, name, qualifier string) error {
	if rec, _, err := s.loadFunction(ctx, scope, name); err != nil || rec.Policies[qualifier] == nil {
		return nil // nothing to forget
	}
	_, err := s.modifyFunction(ctx, scope, name, func(r *functionRecord) error {
		delete(r.Policies, qualifier)
		return nil
	})
	if errors.Is(err, lambda.ErrResourceNotFound) {
		return nil
	}
	return err
}

func statementIndex(statements []json.RawMessage, sid string) int {
	for i, raw := range statements {
		var st struct{ Sid string }
		if json.Unmarshal(raw, &st) == nil && st.Sid == sid {
			return i
		}
	}
	return -1
}

var awsPrincipalRE = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:(iam|sts)::\d{12}:`)

// newStatement writes AddPermission's statement as Lambda does: the
// principal by kind, and a condition per source restriction.
func newStatement(resource string, in *lambda.AddPermissionInput) (*statement, error) {
	st := &statement{Sid: in.StatementId, Effect: "Allow", Action: in.Action, Resource: resource}
	switch p := in.Principal; {
	case p == "*":
		st.Principal = "*"
	case strings.HasSuffix(p, ".amazonaws.com") || strings.HasSuffix(p, ".amazonaws.com.cn"):
		st.Principal = map[string]string{"Service": p}
	case len(p) == 12 && strings.Trim(p, "0123456789") == "":
		st.Principal = map[string]string{"AWS": "arn:aws:iam::" + p + ":root"}
	case awsPrincipalRE.MatchString(p):
		st.Principal = map[string]string{"AWS": p}
	default:
		return nil, lambda.Errorf(lambda.ErrInvalidParameterValue, "The provided principal was invalid. Please check the principal and try again.")
	}
	cond := func(op, key, value string) {
		if value == "" {
			return
		}
		if st.Condition == nil {
			st.Condition = map[string]map[string]string{}
		}
		if st.Condition[op] == nil {
			st.Condition[op] = map[string]string{}
		}
		st.Condition[op][key] = value
	}
	cond("StringEquals", "AWS:SourceAccount", in.SourceAccount)
	cond("StringEquals", "aws:PrincipalOrgID", in.PrincipalOrgID)
	cond("StringEquals", "lambda:FunctionUrlAuthType", in.FunctionUrlAuthType)
	cond("StringEquals", "lambda:EventSourceToken", in.EventSourceToken)
	cond("ArnLike", "AWS:SourceArn", in.SourceArn)
	return st, nil
}

func policyRevisionMismatch() error {
	return lambda.Errorf(lambda.ErrPreconditionFailed,
		"The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id")
}
