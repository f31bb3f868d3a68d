package server_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"
)

// A state machine's tasks call as its role, which Step Functions assumes:
// a function the role may invoke is invoked, one it may not fails the task
// with Lambda's AccessDenied, as on AWS.
func TestStepFunctionsTasksActAsTheRole(t *testing.T) {
	ctx := context.Background()
	n := sharedNubo(t)
	n.createGo(t, "permitted", nil)
	n.createGo(t, "forbidden", nil)
	limited := "sfn-limited-" + n.region
	if err := ensureRole(ctx, n.addr, limited, allow("lambda:InvokeFunction", n.arn("permitted"))); err != nil {
		t.Fatal(err)
	}
	out, err := n.sfnClient().CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("limited"), RoleArn: aws.String("arn:aws:iam::" + account + ":role/" + limited),
		Definition: aws.String(`{"StartAt": "Allowed", "States": {
			"Allowed": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "permitted", "Payload": {"value": "ok"}},
				"ResultSelector": {"value.$": "$.Payload.value"}, "ResultPath": "$.allowed", "Next": "Refused"},
			"Refused": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "forbidden"}, "End": true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	d := n.finished(t, n.start(t, aws.ToString(out.StateMachineArn), `{}`), time.Minute)
	if aws.ToString(d.Error) != "Lambda.AWSLambdaException" || !strings.Contains(aws.ToString(d.Cause), "is not authorized to perform: lambda:InvokeFunction on resource: "+n.arn("forbidden")) ||
		!strings.Contains(aws.ToString(d.Cause), "Error Code: AccessDeniedException") {
		t.Errorf("%s: %s: %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	for _, e := range n.history(t, aws.ToString(d.ExecutionArn)) {
		if e.TaskSucceededEventDetails != nil && !strings.Contains(aws.ToString(e.TaskSucceededEventDetails.Output), `"ok"`) {
			t.Errorf("the permitted task's output: %s", aws.ToString(e.TaskSucceededEventDetails.Output))
		}
	}
}

// Giving a state machine a role needs iam:PassRole of it.
func TestStepFunctionsPassRole(t *testing.T) {
	ctx := context.Background()
	n := sharedNubo(t)
	id, secret := n.user(t, "sfn-creator-"+n.region, allow("states:CreateStateMachine", "*"))
	c := sfn.NewFromConfig(aws.Config{Region: n.region, Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""),
		BaseEndpoint: aws.String("http://" + n.addr)})
	_, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("passing"), RoleArn: aws.String(sfnRole),
		Definition: aws.String(`{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}`)})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" || !strings.Contains(ae.ErrorMessage(), "iam:PassRole") {
		t.Errorf("CreateStateMachine without iam:PassRole: %v", err)
	}
}
