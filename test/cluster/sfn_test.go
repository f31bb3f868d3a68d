package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

func (h *harness) sfn(nd *node) *sfn.Client { return sfn.NewFromConfig(h.config(nd)) }

// sfnExecution is the Step Functions execution that sfnStart leaves
// waiting on the node killOne kills, and the token its task waits for.
type sfnExecution struct {
	arn, token, queue string
}

// executionHeldBy is the name of an execution of machine that node nd
// runs while every node is alive (rendezvous hashing, as queueHeldBy; the
// group is "sfn", the resource the execution's key).
func executionHeldBy(nd *node, nodes []*node, machine string) string {
	for k := 0; ; k++ {
		name := fmt.Sprintf("run-%d", k)
		best, bestHash := "", uint64(0)
		for _, n := range nodes {
			h := fnv.New64a()
			h.Write([]byte(n.name + "\x00sfn\x00us-east-1." + machine + "." + name))
			if v := h.Sum64(); best == "" || v > bestHash {
				best, bestHash = n.name, v
			}
		}
		if best == nd.name {
			return name
		}
	}
}

// sfnStart starts, through n3 (which killOne kills), an execution that n3
// runs: its task sends its token to a queue and waits for it, then a Wait
// state of 2 s follows.
func (f *fixture) sfnStart(t *testing.T) {
	ctx := context.Background()
	n1, n3 := f.h.nodes[0], f.h.nodes[2]
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	role, err := f.h.iam(n1).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("sfn-cluster"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.h.iam(n1).PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("sfn-cluster"), PolicyName: aws.String("send"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	queue := f.createQueue(t, n1, "sfn-tokens")
	definition := `{"StartAt":"Ask","States":{
		"Ask":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Next":"Pause",
			"Parameters":{"QueueUrl":"` + queue + `","MessageBody":{"token.$":"$$.Task.Token"}}},
		"Pause":{"Type":"Wait","Seconds":2,"End":true}}}`
	machine, err := f.h.sfn(n1).CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("survivor"),
		Definition: aws.String(definition), RoleArn: role.Role.Arn})
	if err != nil {
		t.Fatal(err)
	}
	name := executionHeldBy(n3, f.h.nodes, "survivor")
	started, err := f.h.sfn(n3).StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: machine.StateMachineArn, Name: aws.String(name)})
	if err != nil {
		t.Fatalf("start through %s: %v", n3.name, err)
	}
	msgs, err := f.h.sqs(n1).ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queue), WaitTimeSeconds: 10})
	if err != nil || len(msgs.Messages) != 1 {
		t.Fatalf("receive the task token: %+v, %v", msgs, err)
	}
	var body struct{ Token string }
	if err := json.Unmarshal([]byte(aws.ToString(msgs.Messages[0].Body)), &body); err != nil || body.Token == "" {
		t.Fatalf("task token in %q: %v", aws.ToString(msgs.Messages[0].Body), err)
	}
	if _, err := f.h.sqs(n1).DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queue),
		ReceiptHandle: msgs.Messages[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	f.execution = sfnExecution{arn: aws.ToString(started.ExecutionArn), token: body.Token, queue: queue}
}

// sfnSurvives finds that a survivor resumed, from its records, the
// execution n3 ran before it died (its task sent its token again), answers
// the task through n1 and finds the execution SUCCEEDED through n2.
func (f *fixture) sfnSurvives(t *testing.T) {
	if f.execution.arn == "" {
		t.Skip("no execution was started")
	}
	ctx := context.Background()
	n1, n2 := f.h.nodes[0], f.h.nodes[1]
	// The survivor that resumed it sent the task's message again, with
	// the same token, once a survivor took over the queue (n3 may have
	// held it: that took 55 s after the kill at a load average of 20; the
	// task calls SQS again while it is unavailable, for up to 2 minutes).
	var msgs *sqs.ReceiveMessageOutput
	var err error
	for deadline := time.Now().Add(2 * time.Minute); ; {
		msgs, err = f.h.sqs(n2).ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(f.execution.queue), WaitTimeSeconds: 10})
		if err == nil && len(msgs.Messages) > 0 || time.Now().After(deadline) {
			break
		}
		if err != nil {
			time.Sleep(time.Second)
		}
	}
	if err != nil || len(msgs.Messages) != 1 {
		d, derr := f.h.sfn(n2).DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(f.execution.arn)})
		if derr == nil {
			t.Logf("the execution: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
		}
		t.Fatalf("receive the task token again: %+v, %v", msgs, err)
	}
	var body struct{ Token string }
	if err := json.Unmarshal([]byte(aws.ToString(msgs.Messages[0].Body)), &body); err != nil || body.Token != f.execution.token {
		t.Errorf("the resumed task sent %q: %v", aws.ToString(msgs.Messages[0].Body), err)
	}
	if _, err := f.h.sfn(n1).SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(f.execution.token),
		Output: aws.String(`{"answered":"after the kill"}`)}); err != nil {
		t.Fatalf("SendTaskSuccess through %s: %v", n1.name, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err := f.h.sfn(n2).DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(f.execution.arn)})
		if err == nil && d.Status == sfntypes.ExecutionStatusSucceeded {
			if out := aws.ToString(d.Output); out != `{"answered":"after the kill"}` {
				t.Errorf("output %s", out)
			}
			return
		}
		if err == nil && d.Status != sfntypes.ExecutionStatusRunning || time.Now().After(deadline) {
			t.Fatalf("execution through %s: %+v, %v", n2.name, d, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
