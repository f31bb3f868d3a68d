package iam

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// CreatePolicyVersionInput is CreatePolicyVersion's request.
type CreatePolicyVersionInput struct {
	PolicyArn      string `json:"PolicyArn"`
	PolicyDocument string `json:"PolicyDocument"`
	SetAsDefault   bool   `json:"SetAsDefault,omitempty"`
}

// PolicyVersionOutput is the result of CreatePolicyVersion and
// GetPolicyVersion.
type PolicyVersionOutput struct {
	PolicyVersion PolicyVersion `json:"PolicyVersion"`
}

// CreatePolicyVersion adds a version to a customer managed policy (five at
// most), optionally making it the default.
func (s *Service) CreatePolicyVersion(ctx context.Context, caller *Principal, in *CreatePolicyVersionInput) (*PolicyVersionOutput, error) {
	if _, err := checkDocument(in.PolicyDocument, managedPolicyQuota); err != nil {
		return nil, err
	}
	var v PolicyVersion
	_, err := s.updateManaged(ctx, caller.Account, in.PolicyArn, func(m *managedRecord) error {
		if len(m.Versions) >= versionsQuota {
			return limit("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", versionsQuota)
		}
		now := s.now()
		v = PolicyVersion{Document: in.PolicyDocument, VersionId: versionID(m.Next), IsDefaultVersion: in.SetAsDefault, CreateDate: now}
		m.Next++
		m.Versions = append(m.Versions, v)
		m.Policy.UpdateDate = now
		if in.SetAsDefault {
			m.setDefault(v.VersionId)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	v.Document = ""
	return &PolicyVersionOutput{PolicyVersion: v}, nil
}

func (m *managedRecord) setDefault(id string) {
	m.Policy.DefaultVersionId = id
	for i := range m.Versions {
		m.Versions[i].IsDefaultVersion = m.Versions[i].VersionId == id
	}
}

// PolicyVersionInput names one version of a policy.
type PolicyVersionInput struct {
	PolicyArn string `json:"PolicyArn"`
	VersionId string `json:"VersionId"`
}

// GetPolicyVersion returns a version with its document.
func (s *Service) GetPolicyVersion(ctx context.Context, caller *Principal, in *PolicyVersionInput) (*PolicyVersionOutput, error) {
	if p, ok := awsPolicies()[in.PolicyArn]; ok && in.VersionId == "v1" {
		return &PolicyVersionOutput{PolicyVersion: PolicyVersion{Document: p.doc.Text, VersionId: "v1", IsDefaultVersion: true, CreateDate: awsManagedDate}}, nil
	}
	m, _, err := s.getManaged(ctx, caller.Account, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	v := m.version(in.VersionId)
	if v == nil {
		return nil, noSuch("Policy %s version %s does not exist or is not attachable.", in.PolicyArn, in.VersionId)
	}
	return &PolicyVersionOutput{PolicyVersion: *v}, nil
}

// ListPolicyVersionsOutput is ListPolicyVersions' result.
type ListPolicyVersionsOutput struct {
	Versions []PolicyVersion `json:"Versions"`
	Truncation
}

// ListPolicyVersions lists a policy's versions, newest first, without
// their documents.
func (s *Service) ListPolicyVersions(ctx context.Context, caller *Principal, in *PolicyArnInput) (*ListPolicyVersionsOutput, error) {
	var versions []PolicyVersion
	if _, ok := awsPolicies()[in.PolicyArn]; ok {
		versions = []PolicyVersion{{VersionId: "v1", IsDefaultVersion: true, CreateDate: awsManagedDate}}
	} else {
		m, _, err := s.getManaged(ctx, caller.Account, in.PolicyArn)
		if err != nil {
			return nil, err
		}
		for _, v := range m.Versions {
			v.Document = ""
			versions = append(versions, v)
		}
	}
	// Newest first: the key sorts higher version numbers first.
	page, tr, err := paginate(versions, func(v PolicyVersion) string {
		n, _ := strconv.Atoi(strings.TrimPrefix(v.VersionId, "v"))
		return fmt.Sprintf("%010d", math.MaxInt32-n)
	}, in.Page)
	if err != nil {
		return nil, err
	}
	return &ListPolicyVersionsOutput{Versions: page, Truncation: tr}, nil
}

// DeletePolicyVersion deletes a version that is not the default.
func (s *Service) DeletePolicyVersion(ctx context.Context, caller *Principal, in *PolicyVersionInput) error {
	_, err := s.updateManaged(ctx, caller.Account, in.PolicyArn, func(m *managedRecord) error {
		v := m.version(in.VersionId)
		switch {
		case v == nil:
			return noSuch("Policy %s version %s does not exist or is not attachable.", in.PolicyArn, in.VersionId)
		case v.IsDefaultVersion:
			return conflict("Cannot delete the default version of a policy.")
		}
		m.Versions = slices.DeleteFunc(m.Versions, func(x PolicyVersion) bool { return x.VersionId == in.VersionId })
		return nil
	})
	return err
}

// SetDefaultPolicyVersion makes a version the one in force.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, caller *Principal, in *PolicyVersionInput) error {
	_, err := s.updateManaged(ctx, caller.Account, in.PolicyArn, func(m *managedRecord) error {
		if m.version(in.VersionId) == nil {
			return noSuch("Policy %s version %s does not exist or is not attachable.", in.PolicyArn, in.VersionId)
		}
		m.setDefault(in.VersionId)
		return nil
	})
	return err
}
