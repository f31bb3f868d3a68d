package server_test

import (
	"context"
	"fmt"
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

func TestFunctionConcurrency(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	n.createNamed(t, "reserved")
	n.createNamed(t, "other")

	got, err := n.client.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("reserved")})
	if err != nil {
		t.Fatal(err)
	}
	if got.ReservedConcurrentExecutions != nil {
		t.Errorf("reservation before any: %d", *got.ReservedConcurrentExecutions)
	}

	put, err := n.client.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("reserved"), ReservedConcurrentExecutions: aws.Int32(100)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(put.ReservedConcurrentExecutions) != 100 {
		t.Errorf("PutFunctionConcurrency: got %d, want 100", aws.ToInt32(put.ReservedConcurrentExecutions))
	}
	got, err = n.client.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String(n.arn("reserved"))})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(got.ReservedConcurrentExecutions) != 100 {
		t.Errorf("GetFunctionConcurrency: got %d, want 100", aws.ToInt32(got.ReservedConcurrentExecutions))
	}
	fn, err := n.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("reserved")})
	if err != nil {
		t.Fatal(err)
	}
	if fn.Concurrency == nil || aws.ToInt32(fn.Concurrency.ReservedConcurrentExecutions) != 100 {
		t.Errorf("GetFunction Concurrency: got %+v, want 100", fn.Concurrency)
	}

	// The account keeps 100 of its 1000 unreserved.
	const belowMinimum = "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100]."
	for _, tt := range []struct {
		name     string
		function string
		reserve  int32
		want     apiError
	}{
		{"other takes too much", "other", 801, invalidParam(belowMinimum)},
		{"one function takes too much", "reserved", 901, invalidParam(belowMinimum)},
		{"negative", "reserved", -1, oneValidation(-1, "reservedConcurrentExecutions", "Member must have value greater than or equal to 0")},
		{"missing function", "nope", 1, notFound("Function not found: " + n.arn("nope"))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := n.client.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String(tt.function), ReservedConcurrentExecutions: aws.Int32(tt.reserve)})
			checkError(t, err, tt.want)
			if tt.want.code == "InvalidParameterValueException" {
				isErr[*types.InvalidParameterValueException](t, err)
			}
		})
	}
	// Replacing a reservation counts only the new value.
	if _, err := n.client.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("reserved"), ReservedConcurrentExecutions: aws.Int32(900)}); err != nil {
		t.Errorf("reserve the most the account allows: %v", err)
	}
	if _, err := n.client.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("other"), ReservedConcurrentExecutions: aws.Int32(0)}); err != nil {
		t.Errorf("reserve 0 (a function that never runs): %v", err)
	}
	settings, err := n.client.GetAccountSettings(ctx, &lambda.GetAccountSettingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToInt32(settings.AccountLimit.UnreservedConcurrentExecutions); got != 100 {
		t.Errorf("UnreservedConcurrentExecutions: got %d, want 100", got)
	}

	if _, err := n.client.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String("reserved")}); err != nil {
		t.Fatal(err)
	}
	got, err = n.client.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("reserved")})
	if err != nil {
		t.Fatal(err)
	}
	if got.ReservedConcurrentExecutions != nil {
		t.Errorf("reservation after delete: %d", *got.ReservedConcurrentExecutions)
	}
	_, err = n.client.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String("nope")})
	checkError(t, err, notFound("Function not found: "+n.arn("nope")))
	_, err = n.client.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("nope")})
	checkError(t, err, notFound("Function not found: "+n.arn("nope")))
}

func TestGetAccountSettings(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	empty, err := n.client.GetAccountSettings(ctx, &lambda.GetAccountSettingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	limit := empty.AccountLimit
	gotLimits := fmt.Sprint(limit.TotalCodeSize, limit.CodeSizeUnzipped, limit.CodeSizeZipped, limit.ConcurrentExecutions, aws.ToInt32(limit.UnreservedConcurrentExecutions))
	checkString(t, "AccountLimit", gotLimits, "80530636800 262144000 52428800 1000 1000")
	if empty.AccountUsage.FunctionCount != 0 || empty.AccountUsage.TotalCodeSize != 0 {
		t.Errorf("usage of an empty nubo: %+v", *empty.AccountUsage)
	}

	a := n.createNamed(t, "a")
	b := n.createNamed(t, "b")
	n.publish(t, "b")
	if _, err := n.client.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("a"), ReservedConcurrentExecutions: aws.Int32(50)}); err != nil {
		t.Fatal(err)
	}
	out, err := n.client.GetAccountSettings(ctx, &lambda.GetAccountSettingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if out.AccountUsage.FunctionCount != 2 {
		t.Errorf("FunctionCount: got %d, want 2", out.AccountUsage.FunctionCount)
	}
	unzipped := unzippedSize(t, createInput(t, "a").Code.ZipFile)
	if want := a.CodeSize + 2*b.CodeSize + 3*unzipped; out.AccountUsage.TotalCodeSize != want {
		t.Errorf("TotalCodeSize: got %d, want %d ($LATEST of a and b, and b's version 1, zipped and extracted)", out.AccountUsage.TotalCodeSize, want)
	}
	if got := aws.ToInt32(out.AccountLimit.UnreservedConcurrentExecutions); got != 950 {
		t.Errorf("UnreservedConcurrentExecutions: got %d, want 950", got)
	}
}

func TestTags(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	in := createInput(t, "tagged")
	in.Tags = map[string]string{"team": "core", "env": "dev"}
	n.create(t, in)
	arn := n.arn("tagged")

	listTags := func() map[string]string {
		t.Helper()
		out, err := n.client.ListTags(ctx, &lambda.ListTagsInput{Resource: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		return out.Tags
	}
	if got, want := listTags(), map[string]string{"team": "core", "env": "dev"}; !maps.Equal(got, want) {
		t.Errorf("tags from CreateFunction: got %v, want %v", got, want)
	}
	if _, err := n.client.TagResource(ctx, &lambda.TagResourceInput{Resource: aws.String(arn), Tags: map[string]string{"env": "prod", "cost-center": "42"}}); err != nil {
		t.Fatal(err)
	}
	if got, want := listTags(), map[string]string{"team": "core", "env": "prod", "cost-center": "42"}; !maps.Equal(got, want) {
		t.Errorf("tags after TagResource: got %v, want %v", got, want)
	}
	if _, err := n.client.UntagResource(ctx, &lambda.UntagResourceInput{Resource: aws.String(arn), TagKeys: []string{"team", "cost-center", "never-set"}}); err != nil {
		t.Fatal(err)
	}
	if got, want := listTags(), map[string]string{"env": "prod"}; !maps.Equal(got, want) {
		t.Errorf("tags after UntagResource: got %v, want %v", got, want)
	}
	fn, err := n.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("tagged")})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"env": "prod"}; !maps.Equal(fn.Tags, want) {
		t.Errorf("GetFunction Tags: got %v, want %v", fn.Tags, want)
	}

	many := map[string]string{}
	for i := range 50 {
		many[fmt.Sprint("k", i)] = "v"
	}
	const arnPattern = `Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?`
	for _, tt := range []struct {
		name     string
		resource string
		tags     map[string]string
		want     apiError
	}{
		{"qualified ARN", arn + ":1", map[string]string{"a": "b"}, invalidParam("Tags on function aliases and versions are not supported. Please specify a function ARN.")},
		{"function name", "tagged", map[string]string{"a": "b"}, oneValidation("tagged", "resource", arnPattern)},
		{"missing function", n.arn("nope"), map[string]string{"a": "b"}, notFound("Function not found: " + n.arn("nope"))},
		{"other account", "arn:aws:lambda:us-east-1:123456789012:function:tagged", map[string]string{"a": "b"}, apiError{code: "AccessDeniedException", status: 403,
			message: "User: arn:aws:iam::000000000000:root is not authorized to perform: lambda:TagResource on resource: arn:aws:lambda:us-east-1:123456789012:function:tagged because no resource-based policy allows the lambda:TagResource action"}},
		{"too many tags", arn, many, invalidParam("Number of tags exceeds resource tag limit.")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := n.client.TagResource(ctx, &lambda.TagResourceInput{Resource: aws.String(tt.resource), Tags: tt.tags})
			checkError(t, err, tt.want)
		})
	}
	_, err = n.client.ListTags(ctx, &lambda.ListTagsInput{Resource: aws.String(n.arn("nope"))})
	checkError(t, err, notFound("Function not found: "+n.arn("nope")))
	_, err = n.client.UntagResource(ctx, &lambda.UntagResourceInput{Resource: aws.String(n.arn("nope")), TagKeys: []string{"a"}})
	checkError(t, err, notFound("Function not found: "+n.arn("nope")))
	if got, want := listTags(), map[string]string{"env": "prod"}; !maps.Equal(got, want) {
		t.Errorf("tags after refused requests: got %v, want %v", got, want)
	}
}
