package server_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

func TestUpdateFunctionCode(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	created := n.createNamed(t, "upd")
	before, err := n.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("upd")})
	if err != nil {
		t.Fatal(err)
	}

	second := bootstrapZip(t, "second")
	_, err = n.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("upd"), ZipFile: second, RevisionId: aws.String("11111111-2222-3333-4444-555555555555")})
	checkError(t, err, precondition())
	isErr[*types.PreconditionFailedException](t, err)

	out, err := n.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("upd"), ZipFile: second, RevisionId: before.RevisionId})
	if err != nil {
		t.Fatal(err)
	}
	checkString(t, "State", string(out.State), "Active")
	checkString(t, "LastUpdateStatus", string(out.LastUpdateStatus), "InProgress")
	checkString(t, "CodeSha256", aws.ToString(out.CodeSha256), sha256b64(second))
	if aws.ToString(out.RevisionId) == aws.ToString(before.RevisionId) {
		t.Error("RevisionId did not change")
	}
	if !lastModifiedRE.MatchString(aws.ToString(out.LastModified)) {
		t.Errorf("LastModified %q is not in AWS's format", aws.ToString(out.LastModified))
	}
	n.waitUpdated(t, "upd")
	got, err := n.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("upd")})
	if err != nil {
		t.Fatal(err)
	}
	checkString(t, "LastUpdateStatus after waiting", string(got.Configuration.LastUpdateStatus), "Successful")
	if !bytes.Equal(download(t, aws.ToString(got.Code.Location)), second) {
		t.Error("Code.Location does not serve the new code")
	}

	// The old RevisionId is stale now.
	_, err = n.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("upd"), ZipFile: second, RevisionId: created.RevisionId})
	checkError(t, err, precondition())

	// DryRun checks the package and changes nothing.
	third := bootstrapZip(t, "third")
	dry, err := n.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("upd"), ZipFile: third, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	checkString(t, "DryRun CodeSha256", aws.ToString(dry.CodeSha256), sha256b64(third))
	now, err := n.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("upd")})
	if err != nil {
		t.Fatal(err)
	}
	checkString(t, "CodeSha256 after DryRun", aws.ToString(now.CodeSha256), sha256b64(second))

	// Publish makes a version of the new code.
	pub, err := n.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("upd"), ZipFile: third, Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	checkString(t, "published Version", aws.ToString(pub.Version), "1")
	checkString(t, "published FunctionArn", aws.ToString(pub.FunctionArn), n.arn("upd")+":1")
	checkString(t, "published CodeSha256", aws.ToString(pub.CodeSha256), sha256b64(third))
	n.waitUpdated(t, "upd")
	w := lambda.NewPublishedVersionActiveWaiter(n.client, func(o *lambda.PublishedVersionActiveWaiterOptions) {
		o.MinDelay, o.MaxDelay = fastWait, fastWait*10
	})
	if err := w.Wait(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("upd"), Qualifier: aws.String("1")}, waitLimit); err != nil {
		t.Fatalf("version 1 is not Active: %v", err)
	}

	// A new architecture comes with the code.
	arm, err := n.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("upd"), ZipFile: second, Architectures: []types.Architecture{types.ArchitectureArm64}})
	if err != nil {
		t.Fatal(err)
	}
	checkString(t, "Architectures", fmt.Sprint(arm.Architectures), "[arm64]")
	n.waitUpdated(t, "upd")

	for _, tt := range []struct {
		name string
		in   *lambda.UpdateFunctionCodeInput
		want apiError
	}{
		{"missing function", &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("nope"), ZipFile: second}, notFound("Function not found: " + n.arn("nope"))},
		{"no code", &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("upd")}, invalidParam("Please provide a source for function code.")},
		{"image", &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("upd"), ImageUri: aws.String("repo/image:1")}, invalidParam("Please don't provide ImageUri when updating a function with packageType Zip.")},
		{"bad architecture", &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("upd"), ZipFile: second, Architectures: []types.Architecture{"mips"}},
			oneValidation("mips", "architectures", "Member must satisfy enum value set: [x86_64, arm64]")},
		{"bad name", &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("no/slashes"), ZipFile: second}, badFunctionName("no/slashes")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := n.client.UpdateFunctionCode(ctx, tt.in)
			checkError(t, err, tt.want)
		})
	}
}

func TestUpdateFunctionConfiguration(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	in := createInput(t, "cfg")
	in.Environment = &types.Environment{Variables: map[string]string{"AA": "1", "BB": "2"}}
	created := n.create(t, in)

	out, err := n.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
		FunctionName:     aws.String("cfg"),
		MemorySize:       aws.Int32(1024),
		Timeout:          aws.Int32(60),
		Description:      aws.String("updated"),
		Handler:          aws.String("other.handler"),
		Runtime:          types.RuntimePython313,
		Environment:      &types.Environment{Variables: map[string]string{"CC": "3"}},
		EphemeralStorage: &types.EphemeralStorage{Size: aws.Int32(2048)},
		TracingConfig:    &types.TracingConfig{Mode: types.TracingModeActive},
		RevisionId:       created.RevisionId,
	})
	if err != nil {
		t.Fatal(err)
	}
	checkString(t, "LastUpdateStatus", string(out.LastUpdateStatus), "InProgress")
	if aws.ToString(out.RevisionId) == aws.ToString(created.RevisionId) {
		t.Error("RevisionId did not change")
	}
	n.waitUpdated(t, "cfg")
	got, err := n.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("cfg")})
	if err != nil {
		t.Fatal(err)
	}
	checkString(t, "LastUpdateStatus after waiting", string(got.LastUpdateStatus), "Successful")
	gotSettings := fmt.Sprintf("%v %v %v %v %v %v %v %v", aws.ToInt32(got.MemorySize), aws.ToInt32(got.Timeout), aws.ToString(got.Description), aws.ToString(got.Handler),
		got.Runtime, got.Environment.Variables, aws.ToInt32(got.EphemeralStorage.Size), got.TracingConfig.Mode)
	checkString(t, "settings", gotSettings, "1024 60 updated other.handler python3.13 map[CC:3] 2048 Active")
	checkString(t, "CodeSha256", aws.ToString(got.CodeSha256), aws.ToString(created.CodeSha256))

	// An empty map clears the environment.
	if _, err := n.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("cfg"), Environment: &types.Environment{Variables: map[string]string{}},
	}); err != nil {
		t.Fatal(err)
	}
	n.waitUpdated(t, "cfg")
	got, err = n.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("cfg")})
	if err != nil {
		t.Fatal(err)
	}
	if got.Environment != nil && len(got.Environment.Variables) > 0 {
		t.Errorf("Environment after clearing: %v", got.Environment.Variables)
	}

	for _, tt := range []struct {
		name string
		in   *lambda.UpdateFunctionConfigurationInput
		want apiError
	}{
		{"stale revision", &lambda.UpdateFunctionConfigurationInput{MemorySize: aws.Int32(256), RevisionId: created.RevisionId}, precondition()},
		{"memory 10241", &lambda.UpdateFunctionConfigurationInput{MemorySize: aws.Int32(10241)},
			oneValidation(10241, "memorySize", "Member must have value less than or equal to 10240")},
		{"timeout 901", &lambda.UpdateFunctionConfigurationInput{Timeout: aws.Int32(901)},
			oneValidation(901, "timeout", "Member must have value less than or equal to 900")},
		{"ephemeral storage 100", &lambda.UpdateFunctionConfigurationInput{EphemeralStorage: &types.EphemeralStorage{Size: aws.Int32(100)}},
			oneValidation(100, "ephemeralStorage.size", "Member must have value greater than or equal to 512")},
		{"deprecated runtime", &lambda.UpdateFunctionConfigurationInput{Runtime: types.RuntimeNodejs16x},
			invalidParam("The runtime parameter of nodejs16.x is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (nodejs22.x) while creating or updating functions.")},
		{"reserved key", &lambda.UpdateFunctionConfigurationInput{Environment: &types.Environment{Variables: map[string]string{"AWS_EXECUTION_ENV": "x"}}},
			invalidParam("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_EXECUTION_ENV")},
		{"empty handler", &lambda.UpdateFunctionConfigurationInput{Handler: aws.String("")},
			invalidParam("Runtime and Handler are mandatory parameters for functions created with deployment packages.")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.FunctionName = aws.String("cfg")
			_, err := n.client.UpdateFunctionConfiguration(ctx, tt.in)
			checkError(t, err, tt.want)
		})
	}
	_, err = n.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("nope"), MemorySize: aws.Int32(256)})
	checkError(t, err, notFound("Function not found: "+n.arn("nope")))
	isErr[*types.ResourceNotFoundException](t, err)

	// Refused updates changed nothing.
	after, err := n.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("cfg")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(after.RevisionId) != aws.ToString(got.RevisionId) || aws.ToInt32(after.MemorySize) != 1024 {
		t.Errorf("a refused update changed the function: RevisionId %s → %s, MemorySize %d", aws.ToString(got.RevisionId), aws.ToString(after.RevisionId), aws.ToInt32(after.MemorySize))
	}
}
