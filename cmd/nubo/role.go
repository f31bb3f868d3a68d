package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// defaultRole is the execution role `nubo deploy` gives a function when
// told none: it lets Lambda assume it and carries AWS's basic execution
// policy (writing logs), as the role the Lambda console creates does.
const defaultRole = "nubo-default-lambda-role"

const (
	lambdaTrust        = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	basicExecutionRole = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
)

// ensureDefaultRole returns the ARN of the default role, creating it when
// it does not exist.
func (c *clientFlags) ensureDefaultRole(ctx context.Context) (string, error) {
	client := iam.NewFromConfig(c.config())
	got, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(defaultRole)})
	var missing *types.NoSuchEntityException
	if err == nil {
		return aws.ToString(got.Role.Arn), nil
	}
	if !errors.As(err, &missing) {
		return "", fmt.Errorf("find the default role %s: %w", defaultRole, err)
	}
	created, err := client.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(defaultRole), AssumeRolePolicyDocument: aws.String(lambdaTrust),
		Description: aws.String("The execution role nubo deploy gives functions when told none")})
	var exists *types.EntityAlreadyExistsException
	if errors.As(err, &exists) { // another deploy made it meanwhile
		return c.ensureDefaultRole(ctx)
	}
	if err != nil {
		return "", fmt.Errorf("create the default role %s: %w", defaultRole, err)
	}
	if _, err := client.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(defaultRole), PolicyArn: aws.String(basicExecutionRole)}); err != nil {
		return "", fmt.Errorf("attach %s to %s: %w", basicExecutionRole, defaultRole, err)
	}
	return aws.ToString(created.Role.Arn), nil
}
