package integrations

import (
	"context"
	"fmt"
	"testing"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/sfn"
	"github.com/nubo-dev/nubo/internal/targets"
)

// grants is a targets.Allow that lets the role do what it lists
// ("action resource") and records what it was asked.
type grants struct {
	allowed map[string]bool
	asked   []string
	src     targets.Source
}

func (g *grants) allow(ctx context.Context, src targets.Source, action, target string) error {
	g.src = src
	g.asked = append(g.asked, action+" "+target)
	if g.allowed[action+" "+target] {
		return nil
	}
	return fmt.Errorf("%w: User: arn:aws:sts::000000000000:assumed-role/r/e is not authorized to perform: %s on resource: %s", targets.ErrDenied, action, target)
}

// refusedTables are tables no call reaches: the role may not.
type refusedTables struct{ Tables }

// Every call a task makes is authorised as the task's role, assumed by
// Step Functions, on the resource it names; a refusal fails the task as
// the service's AccessDenied error.
func TestTasksActAsTheirRole(t *testing.T) {
	ctx := context.Background()
	fn := "arn:aws:lambda:us-east-1:000000000000:function:f"
	g := &grants{allowed: map[string]bool{"lambda:InvokeFunction " + fn + ":live": true}}
	s := &Services{Functions: &fakeFunctions{answer: &lambda.Result{Payload: []byte(`{}`)}}, Queues: &fakeQueues{}, Topics: &fakeTopics{},
		Events: &fakeEvents{}, StepFunctions: fakeSFN{}, Tables: refusedTables{}, Allow: g.allow}
	role := func(r *sfn.TaskRequest) *sfn.TaskRequest { r.RoleArn = "arn:aws:iam::000000000000:role/r"; return r }
	if _, err := s.Invoke(ctx, role(req("arn:aws:states:::lambda:invoke", `{"FunctionName":"f","Qualifier":"live"}`))); err != nil {
		t.Fatalf("allowed invocation: %v", err)
	}
	if g.src != (targets.Source{Role: "arn:aws:iam::000000000000:role/r", AssumedBy: "states.amazonaws.com", Session: "states-e"}) {
		t.Errorf("source %+v", g.src)
	}
	tests := []struct{ resource, input, asked, name, cause string }{
		{fn, `{}`, "lambda:InvokeFunction " + fn, "Lambda.AWSLambdaException", `is not authorized to perform: lambda:InvokeFunction .*Status Code: 403; Error Code: AccessDeniedException;`},
		{"arn:aws:states:::sqs:sendMessage", `{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/000000000000/q","MessageBody":"x"}`,
			"sqs:SendMessage arn:aws:sqs:us-east-1:000000000000:q", "SQS.AmazonSQSException", `Error Code: AccessDenied;`},
		{"arn:aws:states:::sns:publish", `{"TopicArn":"arn:aws:sns:us-east-1:000000000000:t","Message":"x"}`,
			"sns:Publish arn:aws:sns:us-east-1:000000000000:t", "SNS.AuthorizationErrorException", `Error Code: AuthorizationError;`},
		{"arn:aws:states:::dynamodb:putItem", `{"TableName":"orders","Item":{}}`,
			"dynamodb:PutItem arn:aws:dynamodb:us-east-1:000000000000:table/orders", "DynamoDB.AmazonDynamoDBException", `Error Code: AccessDeniedException;`},
		{"arn:aws:states:::events:putEvents", `{"Entries":[{"Source":"s","DetailType":"d","Detail":"{}"}]}`,
			"events:PutEvents arn:aws:events:us-east-1:000000000000:event-bus/default", "EventBridge.AmazonEventBridgeException", `Error Code: AccessDeniedException;`},
		{"arn:aws:states:::aws-sdk:sfn:startExecution", `{"StateMachineArn":"arn:aws:states:us-east-1:000000000000:stateMachine:child"}`,
			"states:StartExecution arn:aws:states:us-east-1:000000000000:stateMachine:child", "Sfn.SfnException", `\(Service: Sfn, Status Code: 400,`},
	}
	for _, tt := range tests {
		g.asked = nil
		_, err := s.Invoke(ctx, role(req(tt.resource, tt.input)))
		failed(t, err, tt.name, tt.cause)
		if len(g.asked) != 1 || g.asked[0] != tt.asked {
			t.Errorf("%s asked %q, want %q", tt.resource, g.asked, tt.asked)
		}
	}
}

// A nested execution, which the domain starts itself, asks the same.
func TestNestedExecutionActsAsTheRole(t *testing.T) {
	g := &grants{}
	s := &Services{Allow: g.allow}
	var _ sfn.TaskAuthorizer = s
	machine := "arn:aws:states:us-east-1:000000000000:stateMachine:child"
	err := s.AllowTask(context.Background(), req("arn:aws:states:::states:startExecution.sync", `{}`), "states:StartExecution", machine)
	failed(t, err, "StepFunctions.AWSStepFunctionsException", `is not authorized to perform: states:StartExecution .*Error Code: AccessDeniedException;`)
	if len(g.asked) != 1 || g.asked[0] != "states:StartExecution "+machine {
		t.Errorf("asked %q", g.asked)
	}
}
