package sfn

import (
	"context"
	"sync"
	"testing"
	"time"
)

// A worker finds an activity's task whichever node it polls, answers it
// through any node, and exactly one of the workers polling several nodes
// gets it; a task whose node dies before a worker took it is queued again
// where its execution resumes.
func TestClusterActivityTasksOnAnyNode(t *testing.T) { activityTasksOnAnyNode(t, true) }

// The same on one store shared by the nodes, under the race detector.
func TestActivityTasksOnAnyNodeOnOneStore(t *testing.T) { activityTasksOnAnyNode(t, false) }

func activityTasksOnAnyNode(t *testing.T, replicated bool) {
	ctx := context.Background()
	nodes := startCluster(t, make(chan string, 16), replicated)
	act, err := nodes[0].s.CreateActivity(ctx, testScope, &CreateActivityInput{Name: "work"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := nodes[1].s.CreateStateMachine(ctx, testScope, &CreateStateMachineInput{Name: "act",
		Definition: `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + act.ActivityArn + `","TimeoutSeconds":60,"End":true}}}`,
		RoleArn:    "arn:aws:iam::123456789012:role/sfn"})
	if err != nil {
		t.Fatal(err)
	}
	start := func(through *clusterNode, input string) string {
		var execArn string
		retry(t, func() error {
			out, err := through.s.StartExecution(ctx, testScope, &StartExecutionInput{StateMachineArn: m.StateMachineArn, Input: &input})
			if err == nil {
				execArn = out.ExecutionArn
			}
			return err
		})
		return execArn
	}
	poll := func(n *clusterNode, worker string) *GetActivityTaskOutput {
		var out *GetActivityTaskOutput
		retry(t, func() error {
			var err error
			out, err = n.s.GetActivityTask(ctx, testScope, &GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: worker})
			return err
		})
		return out
	}
	// pollFor polls n until it gets a task (a poll of a loaded machine
	// may end before the task is queued), for 30 s.
	pollFor := func(n *clusterNode, worker string) *GetActivityTaskOutput {
		deadline := time.Now().Add(30 * time.Second)
		out := &GetActivityTaskOutput{}
		for out.TaskToken == "" && time.Now().Before(deadline) {
			out = poll(n, worker)
		}
		return out
	}
	succeed := func(n *clusterNode, execArn, token string) {
		t.Helper()
		retry(t, func() error {
			_, err := n.s.SendTaskSuccess(ctx, testScope, &SendTaskSuccessInput{TaskToken: token, Output: `{"done":true}`})
			return err
		})
		if d := closedOn(t, n, execArn); d.Status != StatusSucceeded || deref(d.Output) != `{"done":true}` {
			t.Errorf("%s: %s %s %s %s", execArn, d.Status, deref(d.Output), d.Error, d.Cause)
		}
	}

	t.Run("polled through another node", func(t *testing.T) {
		execArn := start(nodes[0], `{"n":1}`)
		holder, others := runsOn(t, nodes, execArn)
		out := pollFor(others[0], "w1")
		if a, _, _ := parseToken(out.TaskToken); a != execArn || deref(out.Input) != `{"n":1}` {
			t.Fatalf("polling %s (the execution on %s) got %+v of %s", others[0].name, holder.name, out, a)
		}
		succeed(others[1], execArn, out.TaskToken)
		events := historyOn(t, holder, execArn)
		if countTypes(events, "ActivityStarted") != 1 {
			t.Errorf("%d ActivityStarted", countTypes(events, "ActivityStarted"))
		}
	})

	t.Run("one task, workers on every node", func(t *testing.T) {
		// Rounds of polls, one on each node, until the task is taken (a
		// poll of a loaded machine may end before the start): the workers
		// of all rounds get it once.
		var execArn, token string
		for round := 0; token == "" && round < 6; round++ {
			var wg sync.WaitGroup
			got := make([]*GetActivityTaskOutput, len(nodes))
			for i, n := range nodes {
				wg.Go(func() { got[i] = poll(n, n.name) })
			}
			if round == 0 {
				execArn = start(nodes[2], `{"n":2}`)
			}
			wg.Wait()
			for i, out := range got {
				if out.TaskToken == "" {
					continue
				}
				if token != "" {
					t.Fatalf("two workers got a task: %+v", got)
				}
				if a, _, _ := parseToken(out.TaskToken); a != execArn {
					t.Fatalf("%s got a task of %s", nodes[i].name, a)
				}
				token = out.TaskToken
			}
		}
		if token == "" {
			t.Fatal("no worker got the task")
		}
		succeed(nodes[0], execArn, token)
	})

	t.Run("the task's node dies before a worker takes it", func(t *testing.T) {
		execArn := start(nodes[1], `{"n":3}`)
		holder, others := runsOn(t, nodes, execArn)
		holder.kill()
		out := pollFor(others[0], "w3")
		if a, _, _ := parseToken(out.TaskToken); a != execArn {
			t.Fatalf("polling %s after %s died: %+v", others[0].name, holder.name, out)
		}
		succeed(others[1], execArn, out.TaskToken)
	})
}
