package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// The resource policies AWS requires before a service delivers to a
// resource on its own behalf (an S3 bucket's notifications, an
// EventBridge rule's events, an SNS topic's messages): the service, on the
// condition aws:SourceArn.

// source is a service delivering for one of its resources.
type source struct{ service, arn string }

// allowFrom is a resource policy that lets each source perform action on
// resource.
func allowFrom(resource, action string, from ...source) string {
	var statements []string
	for _, f := range from {
		statements = append(statements, `{"Effect":"Allow","Principal":{"Service":"`+f.service+`"},"Action":"`+action+
			`","Resource":"`+resource+`","Condition":{"ArnLike":{"aws:SourceArn":"`+f.arn+`"}}}`)
	}
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

// allowQueue sets the policy of a queue of the default region to let the
// sources send to it.
func (n *nubo) allowQueue(t *testing.T, queueURL string, from ...source) {
	t.Helper()
	name := queueURL[strings.LastIndexByte(queueURL, '/')+1:]
	_, err := n.sqs().SetQueueAttributes(context.Background(), &sqs.SetQueueAttributesInput{QueueUrl: aws.String(queueURL),
		Attributes: map[string]string{"Policy": allowFrom(queueARN(name), "sqs:SendMessage", from...)}})
	if err != nil {
		t.Fatalf("set the policy of %s: %v", queueURL, err)
	}
}

// allowTopic sets a topic's policy to let the sources publish to it.
func (n *nubo) allowTopic(t *testing.T, topic string, from ...source) {
	t.Helper()
	_, err := n.sns().SetTopicAttributes(context.Background(), &sns.SetTopicAttributesInput{TopicArn: aws.String(topic),
		AttributeName: aws.String("Policy"), AttributeValue: aws.String(allowFrom(topic, "sns:Publish", from...))})
	if err != nil {
		t.Fatalf("set the policy of %s: %v", topic, err)
	}
}

// allowFunction lets a source invoke a function, as lambda add-permission
// does.
func (n *nubo) allowFunction(t *testing.T, function string, from source) {
	t.Helper()
	_, err := n.client.AddPermission(context.Background(), &lambda.AddPermissionInput{FunctionName: aws.String(function),
		StatementId: aws.String(strings.NewReplacer(".", "-", ":", "-", "/", "-", "*", "any").Replace(from.service + "-" + from.arn)),
		Action:      aws.String("lambda:InvokeFunction"), Principal: aws.String(from.service), SourceArn: aws.String(from.arn)})
	if err != nil {
		t.Fatalf("add permission to %s: %v", function, err)
	}
}
