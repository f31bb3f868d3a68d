package iam

import (
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/iam/policy"
)

// awsManaged is a small set of AWS managed policies that users commonly
// attach, with the documents AWS publishes for them. They belong to the
// account "aws" and cannot be changed.
var awsManaged = []struct{ path, name, doc string }{
	{"/", "AdministratorAccess", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
	{"/service-role/", "AWSLambdaBasicExecutionRole", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}`},
	{"/service-role/", "AWSLambdaSQSQueueExecutionRole", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:ReceiveMessage","sqs:DeleteMessage","sqs:GetQueueAttributes","logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}`},
	{"/service-role/", "AWSLambdaRole", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:InvokeFunction"],"Resource":["*"]}]}`},
	{"/", "AmazonSQSFullAccess", `{"Version":"2012-10-17","Statement":[{"Action":["sqs:*"],"Effect":"Allow","Resource":"*"}]}`},
	{"/", "AmazonSQSReadOnlyAccess", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:GetQueueAttributes","sqs:GetQueueUrl","sqs:ListDeadLetterSourceQueues","sqs:ListQueues","sqs:ListMessageMoveTasks","sqs:ListQueueTags"],"Resource":"*"}]}`},
	{"/", "AmazonSNSFullAccess", `{"Version":"2012-10-17","Statement":[{"Action":["sns:*"],"Effect":"Allow","Resource":"*"}]}`},
	{"/", "AmazonSNSReadOnlyAccess", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sns:GetTopicAttributes","sns:List*","sns:CheckIfPhoneNumberIsOptedOut","sns:GetEndpointAttributes","sns:GetDataProtectionPolicy","sns:GetPlatformApplicationAttributes","sns:GetSMSAttributes","sns:GetSMSSandboxAccountStatus","sns:GetSubscriptionAttributes"],"Resource":"*"}]}`},
	{"/", "AmazonS3FullAccess", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","s3-object-lambda:*"],"Resource":"*"}]}`},
	{"/", "AmazonS3ReadOnlyAccess", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Describe*","s3-object-lambda:Get*","s3-object-lambda:List*"],"Resource":"*"}]}`},
	{"/", "CloudWatchLogsFullAccess", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:*","cloudwatch:GenerateQuery"],"Resource":"*"}]}`},
}

// awsManagedDate is the creation date nubo shows for AWS managed policies.
var awsManagedDate = time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC)

// awsPolicy is one AWS managed policy, ready to use.
type awsPolicy struct {
	policy Policy
	doc    *policy.Document
}

// awsPolicies returns the AWS managed policies by ARN, parsed once.
var awsPolicies = sync.OnceValue(func() map[string]awsPolicy {
	out := make(map[string]awsPolicy, len(awsManaged))
	for _, m := range awsManaged {
		doc, err := policy.Parse(m.doc, policy.Identity)
		if err != nil {
			panic("iam: AWS managed policy " + m.name + ": " + err.Error())
		}
		arn := "arn:aws:iam::aws:policy" + m.path + m.name
		out[arn] = awsPolicy{doc: doc, policy: Policy{
			PolicyName: m.name, PolicyId: "ANPA" + idFromName(m.name), Arn: arn, Path: m.path,
			DefaultVersionId: "v1", IsAttachable: true, CreateDate: awsManagedDate, UpdateDate: awsManagedDate,
		}}
	}
	return out
})

// idFromName gives an AWS managed policy a stable 17-character id.
func idFromName(name string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var b [17]byte
	h := uint64(1469598103934665603)
	for i := range b {
		for j := 0; j < len(name); j++ {
			h = (h ^ uint64(name[j])) * 1099511628211
		}
		h ^= uint64(i)
		b[i] = alphabet[h&31]
	}
	return string(b[:])
}
