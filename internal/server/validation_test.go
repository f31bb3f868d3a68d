package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// functionRefPattern is the pattern AWS quotes for a bad FunctionName.
const functionRefPattern = `(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`

func badFunctionName(name string) apiError {
	return validation("1 validation error detected: Value '" + name + "' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: " + functionRefPattern)
}

func oneValidation(value any, member, constraint string) apiError {
	return validation(fmt.Sprintf("1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: %s", value, member, constraint))
}

func TestCreateFunctionValidation(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	long := strings.Repeat("a", 65)
	bigEnv := map[string]string{}
	for i := range 50 {
		bigEnv[fmt.Sprintf("VAR_%02d", i)] = strings.Repeat("x", 80)
	}
	tests := []struct {
		name   string
		modify func(in *lambda.CreateFunctionInput)
		want   apiError
	}{
		{"name with a space", func(in *lambda.CreateFunctionInput) { in.FunctionName = aws.String("bad name") }, badFunctionName("bad name")},
		{"qualified name", func(in *lambda.CreateFunctionInput) { in.FunctionName = aws.String("fn:1") }, badFunctionName("fn:1")},
		{"name of 65 characters", func(in *lambda.CreateFunctionInput) { in.FunctionName = aws.String(long) },
			oneValidation(long, "functionName", "Member must have length less than or equal to 64")},
		{"ARN of 141 characters", func(in *lambda.CreateFunctionInput) {
			in.FunctionName = aws.String(n.arn(strings.Repeat("b", 141-len(n.arn("")))))
		},
			oneValidation(n.arn(strings.Repeat("b", 141-len(n.arn("")))), "functionName", "Member must have length less than or equal to 140")},
		{"unknown runtime", func(in *lambda.CreateFunctionInput) { in.Runtime = "cobol85" },
			invalidParam("Value cobol85 at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [nodejs, nodejs4.3, …")},
		{"deprecated runtime", func(in *lambda.CreateFunctionInput) { in.Runtime = types.RuntimePython27 },
			invalidParam("The runtime parameter of python2.7 is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (python3.13) while creating or updating functions.")},
		{"retired go1.x", func(in *lambda.CreateFunctionInput) { in.Runtime = types.RuntimeGo1x },
			invalidParam("The runtime parameter of go1.x is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (provided.al2023) while creating or updating functions.")},
		{"no runtime", func(in *lambda.CreateFunctionInput) { in.Runtime = "" },
			invalidParam("Runtime and Handler are mandatory parameters for functions created with deployment packages.")},
		{"no handler", func(in *lambda.CreateFunctionInput) { in.Handler = nil },
			invalidParam("Runtime and Handler are mandatory parameters for functions created with deployment packages.")},
		{"handler with a space", func(in *lambda.CreateFunctionInput) { in.Handler = aws.String("app handler") },
			oneValidation("app handler", "handler", `Member must satisfy regular expression pattern: [^\s]+`)},
		{"handler of 129 characters", func(in *lambda.CreateFunctionInput) { in.Handler = aws.String(strings.Repeat("h", 129)) },
			oneValidation(strings.Repeat("h", 129), "handler", "Member must have length less than or equal to 128")},
		{"bad role", func(in *lambda.CreateFunctionInput) { in.Role = aws.String("admin") },
			oneValidation("admin", "role", `Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`)},
		{"memory 127", func(in *lambda.CreateFunctionInput) { in.MemorySize = aws.Int32(127) },
			oneValidation(127, "memorySize", "Member must have value greater than or equal to 128")},
		{"memory 10241", func(in *lambda.CreateFunctionInput) { in.MemorySize = aws.Int32(10241) },
			oneValidation(10241, "memorySize", "Member must have value less than or equal to 10240")},
		{"timeout 0", func(in *lambda.CreateFunctionInput) { in.Timeout = aws.Int32(0) },
			oneValidation(0, "timeout", "Member must have value greater than or equal to 1")},
		{"timeout 901", func(in *lambda.CreateFunctionInput) { in.Timeout = aws.Int32(901) },
			oneValidation(901, "timeout", "Member must have value less than or equal to 900")},
		{"two errors at once", func(in *lambda.CreateFunctionInput) { in.Timeout, in.MemorySize = aws.Int32(901), aws.Int32(64) },
			validation("2 validation errors detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900; Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128")},
		{"ephemeral storage 511", func(in *lambda.CreateFunctionInput) {
			in.EphemeralStorage = &types.EphemeralStorage{Size: aws.Int32(511)}
		},
			oneValidation(511, "ephemeralStorage.size", "Member must have value greater than or equal to 512")},
		{"ephemeral storage 10241", func(in *lambda.CreateFunctionInput) {
			in.EphemeralStorage = &types.EphemeralStorage{Size: aws.Int32(10241)}
		},
			oneValidation(10241, "ephemeralStorage.size", "Member must have value less than or equal to 10240")},
		{"environment over 4 KB", func(in *lambda.CreateFunctionInput) { in.Environment = &types.Environment{Variables: bigEnv} },
			invalidParam("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {\"VAR_00\":…")},
		{"reserved environment keys", func(in *lambda.CreateFunctionInput) {
			in.Environment = &types.Environment{Variables: map[string]string{"AWS_REGION": "x", "OK": "y", "AWS_LAMBDA_RUNTIME_API": "z"}}
		}, invalidParam("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_LAMBDA_RUNTIME_API, AWS_REGION")},
		{"environment key pattern", func(in *lambda.CreateFunctionInput) {
			in.Environment = &types.Environment{Variables: map[string]string{"1ABC": "x"}}
		},
			oneValidation("1ABC", "environment.variables", "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]")},
		// AWS's pattern wants two characters at least.
		{"environment key of one letter", func(in *lambda.CreateFunctionInput) {
			in.Environment = &types.Environment{Variables: map[string]string{"A": "x"}}
		},
			oneValidation("A", "environment.variables", "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]")},
		{"unknown architecture", func(in *lambda.CreateFunctionInput) { in.Architectures = []types.Architecture{"sparc"} },
			oneValidation("sparc", "architectures", "Member must satisfy enum value set: [x86_64, arm64]")},
		{"two architectures", func(in *lambda.CreateFunctionInput) {
			in.Architectures = []types.Architecture{types.ArchitectureX8664, types.ArchitectureArm64}
		}, oneValidation("[x86_64, arm64]", "architectures", "Member must have length less than or equal to 1")},
		{"no architecture", func(in *lambda.CreateFunctionInput) { in.Architectures = []types.Architecture{} },
			oneValidation("[]", "architectures", "Member must have length greater than or equal to 1")},
		{"description of 257 characters", func(in *lambda.CreateFunctionInput) { in.Description = aws.String(strings.Repeat("d", 257)) },
			oneValidation(strings.Repeat("d", 257), "description", "Member must have length less than or equal to 256")},
		{"tracing mode", func(in *lambda.CreateFunctionInput) { in.TracingConfig = &types.TracingConfig{Mode: "Loud"} },
			oneValidation("Loud", "tracingConfig.mode", "Member must satisfy enum value set: [Active, PassThrough]")},
		{"layer that does not exist", func(in *lambda.CreateFunctionInput) {
			in.Layers = []string{"arn:aws:lambda:us-east-1:000000000000:layer:nope:1"}
		}, invalidParam("Layer version arn:aws:lambda:us-east-1:000000000000:layer:nope:1 does not exist.")},
		{"a file system", func(in *lambda.CreateFunctionInput) {
			in.FileSystemConfigs = []types.FileSystemConfig{{Arn: aws.String("arn:aws:elasticfilesystem:us-east-1:000000000000:access-point/fsap-0123456789abcdef0"), LocalMountPath: aws.String("/mnt/data")}}
		}, invalidParam("nubo has no file systems: FileSystemConfigs (Amazon EFS) are not supported.")},
		{"image package", func(in *lambda.CreateFunctionInput) { in.PackageType = types.PackageTypeImage },
			invalidParam("nubo runs .zip deployment packages only; PackageType Image is not supported.")},
		{"no code", func(in *lambda.CreateFunctionInput) { in.Code = &types.FunctionCode{} },
			invalidParam("Please provide a source for function code.")},
		{"code from S3", func(in *lambda.CreateFunctionInput) {
			in.Code = &types.FunctionCode{S3Bucket: aws.String("bucket"), S3Key: aws.String("key.zip")}
		}, invalidParam("Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist")},
		{"tag key of 129 characters", func(in *lambda.CreateFunctionInput) { in.Tags = map[string]string{strings.Repeat("k", 129): "v"} },
			oneValidation(strings.Repeat("k", 129), "tags.key", "Member must have length less than or equal to 128")},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := createInput(t, fmt.Sprintf("invalid-%d", i))
			tt.modify(in)
			_, err := n.client.CreateFunction(ctx, in)
			checkError(t, err, tt.want)
			switch tt.want.code {
			case "InvalidParameterValueException":
				isErr[*types.InvalidParameterValueException](t, err)
			case "ResourceNotFoundException":
				isErr[*types.ResourceNotFoundException](t, err)
			}
		})
	}
	out, err := n.client.ListFunctions(ctx, &lambda.ListFunctionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Functions) != 0 {
		t.Errorf("refused requests created %d functions", len(out.Functions))
	}
}

// Limits are inclusive: the boundary values are accepted.
func TestCreateFunctionLimits(t *testing.T) {
	n := sharedNubo(t)
	env := map[string]string{"BIG": strings.Repeat("x", 4096-len(`{"BIG":""}`))}
	for i, modify := range []func(in *lambda.CreateFunctionInput){
		func(in *lambda.CreateFunctionInput) { in.MemorySize, in.Timeout = aws.Int32(128), aws.Int32(1) },
		func(in *lambda.CreateFunctionInput) { in.MemorySize, in.Timeout = aws.Int32(10240), aws.Int32(900) },
		func(in *lambda.CreateFunctionInput) {
			in.EphemeralStorage = &types.EphemeralStorage{Size: aws.Int32(10240)}
		},
		func(in *lambda.CreateFunctionInput) { in.Environment = &types.Environment{Variables: env} },
		func(in *lambda.CreateFunctionInput) { in.FunctionName = aws.String(strings.Repeat("n", 64)) },
		func(in *lambda.CreateFunctionInput) {
			in.Runtime = types.RuntimeNodejs22x
			in.Handler = aws.String("index.handler")
		},
	} {
		in := createInput(t, fmt.Sprintf("limit-%d", i))
		modify(in)
		if _, err := n.client.CreateFunction(context.Background(), in); err != nil {
			t.Errorf("case %d: %v", i, err)
		}
	}
}
