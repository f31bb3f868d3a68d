package iam

import "time"

// The IAM API's shapes, with the member names of its query protocol
// (botocore's iam/2010-05-08). Timestamps are UTC.

// Tag is a key and value.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// User is an IAM user.
type User struct {
	Path                string                       `json:"Path"`
	UserName            string                       `json:"UserName"`
	UserId              string                       `json:"UserId"`
	Arn                 string                       `json:"Arn"`
	CreateDate          time.Time                    `json:"CreateDate"`
	PermissionsBoundary *AttachedPermissionsBoundary `json:"PermissionsBoundary,omitempty"`
	Tags                []Tag                        `json:"Tags,omitempty"`
}

// Group is an IAM group.
type Group struct {
	Path       string    `json:"Path"`
	GroupName  string    `json:"GroupName"`
	GroupId    string    `json:"GroupId"`
	Arn        string    `json:"Arn"`
	CreateDate time.Time `json:"CreateDate"`
}

// Role is an IAM role. AssumeRolePolicyDocument is the trust policy, as
// written (the query protocol sends it URL-encoded; the wire layer does).
type Role struct {
	Path                     string                       `json:"Path"`
	RoleName                 string                       `json:"RoleName"`
	RoleId                   string                       `json:"RoleId"`
	Arn                      string                       `json:"Arn"`
	CreateDate               time.Time                    `json:"CreateDate"`
	AssumeRolePolicyDocument string                       `json:"AssumeRolePolicyDocument,omitempty"`
	Description              string                       `json:"Description,omitempty"`
	MaxSessionDuration       int                          `json:"MaxSessionDuration,omitempty"`
	PermissionsBoundary      *AttachedPermissionsBoundary `json:"PermissionsBoundary,omitempty"`
	Tags                     []Tag                        `json:"Tags,omitempty"`
}

// AttachedPermissionsBoundary names an entity's permissions boundary.
type AttachedPermissionsBoundary struct {
	PermissionsBoundaryType string `json:"PermissionsBoundaryType"` // "Policy"
	PermissionsBoundaryArn  string `json:"PermissionsBoundaryArn"`
}

// AccessKey is a new access key: the only time its secret is returned.
type AccessKey struct {
	UserName        string    `json:"UserName"`
	AccessKeyId     string    `json:"AccessKeyId"`
	Status          string    `json:"Status"`
	SecretAccessKey string    `json:"SecretAccessKey"`
	CreateDate      time.Time `json:"CreateDate"`
}

// AccessKeyMetadata is an access key without its secret.
type AccessKeyMetadata struct {
	UserName    string    `json:"UserName"`
	AccessKeyId string    `json:"AccessKeyId"`
	Status      string    `json:"Status"`
	CreateDate  time.Time `json:"CreateDate"`
}

// Policy is a managed policy.
type Policy struct {
	PolicyName                    string    `json:"PolicyName"`
	PolicyId                      string    `json:"PolicyId"`
	Arn                           string    `json:"Arn"`
	Path                          string    `json:"Path"`
	DefaultVersionId              string    `json:"DefaultVersionId"`
	AttachmentCount               int       `json:"AttachmentCount"`
	PermissionsBoundaryUsageCount int       `json:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool      `json:"IsAttachable"`
	Description                   string    `json:"Description,omitempty"`
	CreateDate                    time.Time `json:"CreateDate"`
	UpdateDate                    time.Time `json:"UpdateDate"`
	Tags                          []Tag     `json:"Tags,omitempty"`
}

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	Document         string    `json:"Document,omitempty"`
	VersionId        string    `json:"VersionId"`
	IsDefaultVersion bool      `json:"IsDefaultVersion"`
	CreateDate       time.Time `json:"CreateDate"`
}

// AttachedPolicy names a managed policy attached to an entity.
type AttachedPolicy struct {
	PolicyName string `json:"PolicyName"`
	PolicyArn  string `json:"PolicyArn"`
}

// Page is the paging members of IAM's List operations' inputs.
type Page struct {
	Marker   string `json:"Marker,omitempty"`
	MaxItems int    `json:"MaxItems,omitempty"`
}

// Truncation is the paging members of their outputs.
type Truncation struct {
	IsTruncated bool   `json:"IsTruncated"`
	Marker      string `json:"Marker,omitempty"`
}
