package integrations

import (
	"context"
	"errors"
	"testing"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/sfn"
)

// FuzzInvoke runs arbitrary resources with arbitrary parameters on fake
// services: a task either answers JSON or fails with a task error, and
// never panics.
func FuzzInvoke(f *testing.F) {
	fn := &fakeFunctions{answer: &lambda.Result{Payload: []byte(`{"ok":1}`)}}
	s := &Services{Functions: fn, Async: fn, Queues: &fakeQueues{}, Topics: &fakeTopics{}, Events: &fakeEvents{}, APIs: fakeAPIs{200}, StepFunctions: fakeSFN{}}
	f.Add("arn:aws:states:::lambda:invoke", `{"FunctionName":"f","Payload":{"a":1},"InvocationType":"Event","ClientContext":"e30="}`)
	f.Add("arn:aws:lambda:us-east-1:000000000000:function:f:live", `[1,2]`)
	f.Add("arn:aws:states:::sqs:sendMessage.waitForTaskToken", `{"QueueUrl":"http://h/000000000000/q","MessageBody":{"t":"x"},"MessageAttributes":{"a":{"DataType":"Binary","BinaryValue":"aGk="}}}`)
	f.Add("arn:aws:states:::sns:publish", `{"TargetArn":"arn:aws:sns:us-east-1:000000000000:t","Message":"m"}`)
	f.Add("arn:aws:states:::events:putEvents", `{"Entries":[{"Detail":"bad"}]}`)
	f.Add("arn:aws:states:::aws-sdk:sfn:startExecution", `{"StateMachineArn":"x","Input":[1]}`)
	f.Add("arn:aws:states:::apigateway:invoke", `{"ApiEndpoint":"e","Method":"GET","RequestBody":{"a":1}}`)
	f.Fuzz(func(t *testing.T, resource, input string) {
		fn.got = nil
		out, err := s.Invoke(context.Background(), &sfn.TaskRequest{Resource: resource, Region: region, Account: account, Input: []byte(input), ExecutionArn: execArn})
		var te *sfn.TaskError
		if err != nil && !errors.As(err, &te) {
			t.Fatalf("%s %q: an error that is no task error: %v", resource, input, err)
		}
		if err == nil && len(out) == 0 {
			t.Fatalf("%s %q: no result", resource, input)
		}
	})
}
