package cluster

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// sfnActivityAnyNode starts, through n2, an execution that n3 runs, whose
// activity task a worker gets by polling n1 and answers through n2; the
// execution succeeds, as n1 describes it.
func (f *fixture) sfnActivityAnyNode(t *testing.T) {
	ctx := context.Background()
	n1, n2, n3 := f.h.nodes[0], f.h.nodes[1], f.h.nodes[2]
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	role, err := f.h.iam(n1).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("sfn-activity"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	act, err := f.h.sfn(n2).CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("cluster-work")})
	if err != nil {
		t.Fatal(err)
	}
	definition := `{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"` + aws.ToString(act.ActivityArn) + `","TimeoutSeconds":60,"End":true}}}`
	machine, err := f.h.sfn(n1).CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("activity"),
		Definition: aws.String(definition), RoleArn: role.Role.Arn})
	if err != nil {
		t.Fatal(err)
	}
	name := executionHeldBy(n3, f.h.nodes, "activity")
	started, err := f.h.sfn(n2).StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: machine.StateMachineArn,
		Name: aws.String(name), Input: aws.String(`{"job":1}`)})
	if err != nil {
		t.Fatalf("start through %s: %v", n2.name, err)
	}
	task, err := f.h.sfn(n1).GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: aws.String("w1")})
	if err != nil || aws.ToString(task.TaskToken) == "" || aws.ToString(task.Input) != `{"job":1}` {
		t.Fatalf("poll through %s for a task on %s: %+v, %v", n1.name, n3.name, task, err)
	}
	if _, err := f.h.sfn(n2).SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken,
		Output: aws.String(`{"worked":true}`)}); err != nil {
		t.Fatalf("SendTaskSuccess through %s: %v", n2.name, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := f.h.sfn(n1).DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: started.ExecutionArn})
		if err == nil && d.Status == sfntypes.ExecutionStatusSucceeded {
			if out := aws.ToString(d.Output); out != `{"worked":true}` {
				t.Errorf("output %s", out)
			}
			return
		}
		if err == nil && d.Status != sfntypes.ExecutionStatusRunning || time.Now().After(deadline) {
			t.Fatalf("execution through %s: %+v, %v", n1.name, d, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
