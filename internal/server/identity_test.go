package server_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/nubo-dev/nubo/internal/server"
)

// configAs is an SDK configuration of n signed with the given credentials.
func (n *nubo) configAs(id, secret, token string) aws.Config {
	return aws.Config{Region: n.region, Credentials: credentials.NewStaticCredentialsProvider(id, secret, token),
		BaseEndpoint: aws.String("http://" + n.addr)}
}

// user creates an IAM user with one inline policy and an access key, and
// returns its credentials.
func (n *nubo) user(t *testing.T, name, policy string) (id, secret string) {
	t.Helper()
	ctx := context.Background()
	c := iamClient(n.addr, "test", "test", "")
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if policy != "" {
		if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
			t.Fatal(err)
		}
	}
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey)
}

func allow(action, resource string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"` + resource + `"}]}`
}

// Every service refuses a wrong secret and an unknown key with its own
// family's code and status, and serves the right key.
func TestCredentialsAreVerified(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	type call func(aws.Config) error
	calls := []struct {
		name              string
		call              call
		mismatch, unknown string
		status            int
	}{
		{"lambda", func(c aws.Config) error {
			_, err := lambda.NewFromConfig(c).ListFunctions(ctx, &lambda.ListFunctionsInput{})
			return err
		}, "InvalidSignatureException", "UnrecognizedClientException", 403},
		{"sqs (JSON)", func(c aws.Config) error {
			_, err := sqs.NewFromConfig(c).ListQueues(ctx, &sqs.ListQueuesInput{})
			return err
		}, "SignatureDoesNotMatch", "InvalidClientTokenId", 403},
		{"sns", func(c aws.Config) error {
			_, err := sns.NewFromConfig(c).ListTopics(ctx, &sns.ListTopicsInput{})
			return err
		}, "SignatureDoesNotMatch", "InvalidClientTokenId", 403},
		{"logs", func(c aws.Config) error {
			_, err := cloudwatchlogs.NewFromConfig(c).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
			return err
		}, "InvalidSignatureException", "UnrecognizedClientException", 400},
		{"sts", func(c aws.Config) error {
			_, err := sts.NewFromConfig(c).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		}, "SignatureDoesNotMatch", "InvalidClientTokenId", 403},
		{"iam", func(c aws.Config) error {
			_, err := iam.NewFromConfig(c).ListRoles(ctx, &iam.ListRolesInput{})
			return err
		}, "SignatureDoesNotMatch", "InvalidClientTokenId", 403},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			if err := c.call(n.configAs("test", "test", "")); err != nil {
				t.Fatalf("the right key: %v", err)
			}
			checkError(t, c.call(n.configAs("test", "wrong", "")), apiError{code: c.mismatch, status: c.status})
			checkError(t, c.call(n.configAs("AKIANOSUCHKEY0000000", "x", "")), apiError{code: c.unknown, status: c.status,
				message: "The security token included in the request is invalid."})
		})
	}
}

// GetCallerIdentity names the caller of each kind of credentials, and
// temporary credentials from STS work everywhere.
func TestCallerIdentity(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	who := func(c aws.Config) string {
		t.Helper()
		out, err := sts.NewFromConfig(c).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Arn)
	}
	if got := who(n.configAs("test", "test", "")); got != "arn:aws:iam::"+account+":root" {
		t.Errorf("root: %s", got)
	}
	id, secret := n.user(t, "caller-"+n.region, allow("sts:AssumeRole", "*"))
	if got := who(n.configAs(id, secret, "")); got != "arn:aws:iam::"+account+":user/caller-"+n.region {
		t.Errorf("user: %s", got)
	}
	c := iamClient(n.addr, "test", "test", "")
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("assumable-" + n.region), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	out, err := sts.NewFromConfig(n.configAs(id, secret, "")).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + account + ":role/assumable-" + n.region), RoleSessionName: aws.String("s1")})
	if err != nil {
		t.Fatal(err)
	}
	cr := out.Credentials
	if got := who(n.configAs(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken))); got != "arn:aws:sts::"+account+":assumed-role/assumable-"+n.region+"/s1" {
		t.Errorf("role session: %s", got)
	}
	// The session has no permissions: the role has no policies.
	_, err = lambda.NewFromConfig(n.configAs(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken))).
		ListFunctions(ctx, &lambda.ListFunctionsInput{})
	checkError(t, err, apiError{code: "AccessDeniedException", status: 403, message: "User: arn:aws:sts::" + account + ":assumed-role/assumable-" + n.region +
		"/s1 is not authorized to perform: lambda:ListFunctions because no identity-based policy allows the lambda:ListFunctions action"})
	// A session token that is not one of nubo's.
	_, err = sts.NewFromConfig(n.configAs(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), "forged")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	checkError(t, err, apiError{code: "InvalidClientTokenId", status: 403})
}

// An IAM user allowed one function can use it and cannot touch another.
func TestIAMUserLimitedToOneFunction(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	n.createNamed(t, "mine")
	n.createNamed(t, "theirs")
	id, secret := n.user(t, "limited-"+n.region, allow("lambda:*", n.arn("mine")))
	c := lambda.NewFromConfig(n.configAs(id, secret, ""))
	if _, err := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("mine")}); err != nil {
		t.Fatalf("GetFunction of its own function: %v", err)
	}
	if _, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("mine")}); err != nil {
		t.Fatalf("Invoke of its own function: %v", err)
	}
	user := "arn:aws:iam::" + account + ":user/limited-" + n.region
	denied := func(action, resource string) apiError {
		return apiError{code: "AccessDeniedException", status: 403, message: "User: " + user + " is not authorized to perform: " + action +
			" on resource: " + resource + " because no identity-based policy allows the " + action + " action"}
	}
	_, err := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("theirs")})
	checkError(t, err, denied("lambda:GetFunction", n.arn("theirs")))
	_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("theirs")})
	checkError(t, err, denied("lambda:InvokeFunction", n.arn("theirs")))
	_, err = c.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("theirs")})
	checkError(t, err, denied("lambda:DeleteFunction", n.arn("theirs")))
	_, err = c.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("theirs"), Timeout: aws.Int32(9)})
	checkError(t, err, denied("lambda:UpdateFunctionConfiguration", n.arn("theirs")))
	// A version of its own function is another resource than the function.
	_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("mine"), Qualifier: aws.String("1")})
	checkError(t, err, denied("lambda:InvokeFunction", n.arn("mine")+":1"))
	_, err = c.ListFunctions(ctx, &lambda.ListFunctionsInput{})
	checkError(t, err, apiError{code: "AccessDeniedException", status: 403})
	// Nor may it give a function a role: iam:PassRole.
	_, err = c.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("mine"), Role: aws.String(role)})
	checkError(t, err, apiError{code: "AccessDeniedException", status: 403, message: "User: " + user +
		" is not authorized to perform: iam:PassRole on resource: " + role + " because no identity-based policy allows the iam:PassRole action"})
}

// CreateFunction and UpdateFunctionConfiguration take only a role that
// exists and that Lambda may assume.
func TestExecutionRoleIsChecked(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	cannot := invalidParam("The role defined for the function cannot be assumed by Lambda.")
	in := createInput(t, "roleless")
	in.Role = aws.String("arn:aws:iam::" + account + ":role/no-such-role")
	_, err := n.client.CreateFunction(ctx, in)
	checkError(t, err, cannot)
	c := iamClient(n.addr, "test", "test", "")
	trustEC2 := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("for-ec2-" + n.region), AssumeRolePolicyDocument: aws.String(trustEC2)}); err != nil {
		t.Fatal(err)
	}
	in.Role = aws.String("arn:aws:iam::" + account + ":role/for-ec2-" + n.region)
	_, err = n.client.CreateFunction(ctx, in)
	checkError(t, err, cannot)
	n.createNamed(t, "roleful")
	_, err = n.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("roleful"), Role: in.Role})
	checkError(t, err, cannot)
}

// Without verification (--auth none) any role will do, as in an emulator,
// and functions run.
func TestUnverifiedAcceptsAnyRole(t *testing.T) {
	n := startNuboWith(t, "", func(c *server.Config) { c.Auth = server.AuthNone })
	n.createGo(t, "anyrole", func(in *lambda.CreateFunctionInput) {
		in.Role = aws.String("arn:aws:iam::" + account + ":role/never-created")
	})
	out, err := n.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("anyrole")})
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	if out.FunctionError != nil {
		t.Fatalf("invoke: %s", out.Payload)
	}
	// Any signature, or none, is the root.
	bad := lambda.NewFromConfig(n.configAs("nobody", "nothing", ""))
	if _, err := bad.ListFunctions(context.Background(), &lambda.ListFunctionsInput{}); err != nil {
		t.Fatalf("ListFunctions with any key: %v", err)
	}
}
