// Package arn parses and formats Amazon Resource Names for every service
// nubo serves: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE. It knows the
// general shape only; what a resource part means belongs to its service.
package arn

import (
	"errors"
	"strings"
)

// ARN is a parsed Amazon Resource Name.
type ARN struct {
	Partition string
	Service   string
	Region    string
	Account   string
	// Resource is everything after the account: "function:name:alias",
	// "my-queue", "log-group:/aws/lambda/x:*", "bucket/key".
	Resource string
}

// ErrMalformed is returned for a string that is not an ARN.
var ErrMalformed = errors.New("malformed ARN")

// Parse reads an ARN. Region and account may be empty (as in S3's and IAM's
// ARNs); partition, service and resource may not.
func Parse(s string) (ARN, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] == "" || parts[5] == "" {
		return ARN{}, ErrMalformed
	}
	return ARN{Partition: parts[1], Service: parts[2], Region: parts[3], Account: parts[4], Resource: parts[5]}, nil
}

// String formats the ARN.
func (a ARN) String() string {
	p := a.Partition
	if p == "" {
		p = "aws"
	}
	return "arn:" + p + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

// New returns the ARN of a resource in the aws partition.
func New(service, region, account, resource string) ARN {
	return ARN{Partition: "aws", Service: service, Region: region, Account: account, Resource: resource}
}

// ResourceType splits a resource of the form TYPE:ID or TYPE/ID
// ("function:f:1" gives "function", "f:1"; "role/x" gives "role", "x").
// A resource with neither separator is an id of no type ("my-queue").
func (a ARN) ResourceType() (typ, id string) {
	i := strings.IndexAny(a.Resource, ":/")
	if i < 0 {
		return "", a.Resource
	}
	return a.Resource[:i], a.Resource[i+1:]
}

// Function is a Lambda function ARN's name and qualifier ("" when
// unqualified). ok is false when a is not a Lambda function ARN.
func (a ARN) Function() (name, qualifier string, ok bool) {
	typ, id := a.ResourceType()
	if a.Service != "lambda" || typ != "function" || id == "" {
		return "", "", false
	}
	name, qualifier, _ = strings.Cut(id, ":")
	return name, qualifier, name != ""
}
