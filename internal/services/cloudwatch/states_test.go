package cloudwatch_test

import (
	"context"
	"testing"

	"github.com/nubo-dev/nubo/internal/services/cloudwatch"
)

// AWS/States series have one dimension, named by the metric; they are
// queried and listed by it and survive a restart.
func TestStatesNamespace(t *testing.T) {
	b := openBacking(t)
	m := b.open(t, nil)
	machine := []cloudwatch.Dimension{{Name: cloudwatch.DimStateMachineArn, Value: "arn:aws:states:r:1:stateMachine:m"}}
	fn := []cloudwatch.Dimension{{Name: cloudwatch.DimLambdaFunctionArn, Value: "arn:aws:lambda:r:1:function:f"}}
	m.Put(cloudwatch.NamespaceStates, cloudwatch.ExecutionsStarted, "r", machine, 1)
	m.Put(cloudwatch.NamespaceStates, cloudwatch.ExecutionsStarted, "r", machine, 1)
	m.Put(cloudwatch.NamespaceStates, cloudwatch.ExecutionTime, "r", machine, 40)
	m.Put(cloudwatch.NamespaceStates, "LambdaFunctionsSucceeded", "r", fn, 1)
	m.Put(cloudwatch.NamespaceStates, cloudwatch.ExecutionsStarted, "r", append(machine, fn...), 1) // two dimensions: none of its series
	if err := m.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	again := b.open(t, nil)
	if got := query(t, again, cloudwatch.Query{Namespace: cloudwatch.NamespaceStates, Region: "r", Name: cloudwatch.ExecutionsStarted, Dimensions: machine}); len(got) != 1 || got[0].Sum != 2 {
		t.Errorf("ExecutionsStarted: %+v", got)
	}
	if got := query(t, again, cloudwatch.Query{Namespace: cloudwatch.NamespaceStates, Region: "r", Name: "LambdaFunctionsSucceeded", Dimensions: machine}); len(got) != 0 {
		t.Errorf("a function's metric found by its state machine: %+v", got)
	}
	list := again.List("r", "", []cloudwatch.Dimension{{Name: cloudwatch.DimLambdaFunctionArn}}, false)
	if len(list) != 1 || list[0].Namespace != cloudwatch.NamespaceStates || list[0].Dimensions[0] != fn[0] {
		t.Errorf("listed by LambdaFunctionArn: %+v", list)
	}
	if !cloudwatch.Known(cloudwatch.NamespaceStates) || cloudwatch.Unit[cloudwatch.ExecutionTime] != "Milliseconds" || cloudwatch.Unit["ActivitiesFailed"] != "Count" {
		t.Error("AWS/States is not known with its units")
	}
}
