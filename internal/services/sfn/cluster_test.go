package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/cluster"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/store/natsstore/natstest"
)

// clusterNode is one node of an in-process cluster: its membership and
// its Step Functions.
type clusterNode struct {
	name string
	c    *cluster.Cluster
	s    *Service
	// kill stops the node as a crash would: its executions end where
	// they stand, with nothing recorded, and it leaves no word; restart
	// starts it again (on a store that outlived it).
	kill    func()
	restart func() *clusterNode
	dead    bool
}

// clusterStore is the store of a node: kv and table are its Step
// Functions' (named by suffix), and close, when set, stops it with its
// node. A node whose runAfter is set serves at once, but runs its Step
// Functions (their watch of the bucket) only once runAfter is closed.
type clusterStore struct {
	st       *natsstore.Store
	close    func()
	runAfter chan struct{}
}

// startCluster starts three nodes whose Task states hand their task
// tokens to tokens. With replicated, each is a node of a NATS cluster of
// three (a majority of the store survives one's death; not under -race,
// see natstest.SkipRace); otherwise the three share this package's
// store, which is what they see of it either way.
func startCluster(t *testing.T, tokens chan<- string, replicated bool) []*clusterNode {
	suffix := "" // the buckets of a replicated store are the test's own
	var stores []clusterStore
	if replicated {
		for _, n := range natstest.Start(t, 3) {
			stores = append(stores, clusterStore{st: n.Store, close: func() { n.Store.Close(); n.Store = nil }})
		}
	} else {
		suffix = fmt.Sprintf("_c%d", bucketSeq.Add(1))
		for range 3 {
			stores = append(stores, clusterStore{st: testStore(t)})
		}
	}
	var nodes []*clusterNode
	for i, st := range stores {
		nodes = append(nodes, startNode(t, fmt.Sprintf("n%d", i+1), st, suffix, tokens))
	}
	return nodes
}

func startNode(t *testing.T, name string, st clusterStore, suffix string, tokens chan<- string) *clusterNode {
	ctx := context.Background()
	ckv, err := st.st.KV(ctx, "cluster"+suffix)
	if err != nil {
		t.Fatal(err)
	}
	bus, err := st.st.Bus()
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})).With("node", name)
	}
	c, err := cluster.Open(ctx, cluster.Options{Node: name, KV: ckv.(store.Watchable), Bus: bus, Logger: logger,
		Beat: 100 * time.Millisecond, DeadAfter: 2 * time.Second, FenceAfter: 1500 * time.Millisecond, Settle: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	kv, err := st.st.KV(ctx, "sfn"+suffix)
	if err != nil {
		t.Fatal(err)
	}
	table, err := st.st.Table(ctx, "SFN"+suffix, "sfn"+suffix)
	if err != nil {
		t.Fatal(err)
	}
	integ := &fakeIntegrations{fn: func(ctx context.Context, req *TaskRequest) (json.RawMessage, error) {
		if req.TaskToken != "" {
			tokens <- req.TaskToken
		}
		return json.RawMessage(`{}`), nil
	}}
	// Activity polls end in 3 s rather than 60, so a test's workers that
	// get no task return soon.
	s, err := New(ctx, kv, table, Options{Account: testScope.Account, Integrations: integ, Cluster: c, Logger: logger,
		ActivityPoll: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cctx, stopCluster := context.WithCancel(ctx)
	sctx, stopService := context.WithCancel(ctx)
	cdone, sdone := make(chan struct{}), make(chan struct{})
	go func() { defer close(cdone); c.Run(cctx) }()
	go func() {
		defer close(sdone)
		if st.runAfter != nil {
			select {
			case <-st.runAfter:
			case <-sctx.Done():
				return
			}
		}
		s.Run(sctx)
	}()
	n := &clusterNode{name: name, c: c, s: s}
	n.restart = func() *clusterNode { return startNode(t, name, st, suffix, tokens) }
	var once sync.Once
	n.kill = func() {
		once.Do(func() {
			n.dead = true
			stopService()
			<-sdone
			stopCluster()
			<-cdone
			c.Close()
			if st.close != nil {
				st.close()
			}
		})
	}
	t.Cleanup(n.kill)
	return n
}

// runsOn finds the live node that runs an execution, waiting up to 30 s
// for one: on a loaded machine a node that could not
// store its heartbeats fences itself, and its executions are between
// nodes for a moment.
func runsOn(t *testing.T, nodes []*clusterNode, execArn string) (holder *clusterNode, others []*clusterNode) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		holder, others = nil, nil
		for _, n := range nodes {
			if n.dead {
				continue
			}
			n.s.mu.Lock()
			r := n.s.runs[execArn]
			n.s.mu.Unlock()
			if r != nil && holder == nil {
				holder = n
			} else {
				others = append(others, n)
			}
		}
		if holder != nil {
			return holder, others
		}
		if time.Now().After(deadline) {
			t.Fatalf("no node runs %s", execArn)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// closedOn waits for an execution to close, as a node describes it.
func closedOn(t *testing.T, n *clusterNode, execArn string) *DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := n.s.DescribeExecution(context.Background(), testScope, &ExecutionInput{ExecutionArn: execArn})
		if err == nil && d.Status != StatusRunning {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s through %s: %+v, %v", execArn, n.name, d, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func countTypes(events []*HistoryEvent, typ string) int {
	n := 0
	for _, e := range events {
		if e.Type == typ {
			n++
		}
	}
	return n
}

const (
	waitDefinition  = `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":2,"Next":"P"},"P":{"Type":"Pass","End":true}}}`
	tokenDefinition = `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
		"Parameters":{"FunctionName":"f","Payload":{"token.$":"$$.Task.Token"}},"End":true}}}`
)

// Executions run on the node that holds them; the others send it their
// answers and stops, and when it dies a survivor resumes its executions
// from their records.
func TestClusterExecutionsOutliveTheirNode(t *testing.T) { executionsOutliveTheirNode(t, true) }

// The same on one store shared by the nodes, under the race detector.
func TestExecutionsOutliveTheirNodeOnOneStore(t *testing.T) { executionsOutliveTheirNode(t, false) }

func executionsOutliveTheirNode(t *testing.T, replicated bool) {
	ctx := context.Background()
	tokens := make(chan string, 16)
	nodes := startCluster(t, tokens, replicated)
	create := func(name, definition string) string {
		out, err := nodes[0].s.CreateStateMachine(ctx, testScope, &CreateStateMachineInput{Name: name, Definition: definition,
			RoleArn: "arn:aws:iam::123456789012:role/sfn"})
		if err != nil {
			t.Fatal(err)
		}
		return out.StateMachineArn
	}
	starts := 0
	start := func(machineArn string) string {
		starts++ // through each node in turn: each knows the state machines
		out, err := nodes[starts%2].s.StartExecution(ctx, testScope, &StartExecutionInput{StateMachineArn: machineArn})
		if err != nil {
			t.Fatal(err)
		}
		return out.ExecutionArn
	}
	waiting, callback := create("waiting", waitDefinition), create("callback", tokenDefinition)
	parent := create("parent", `{"StartAt":"C","States":{"C":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
		"Parameters":{"StateMachineArn":"`+waiting+`","Input":{"from":"parent"}},"OutputPath":"$.Output","End":true}}}`)

	t.Run("a child execution on another node", func(t *testing.T) {
		// Each starts where rendezvous hashing puts it; some children run
		// elsewhere than their parents.
		var arns []string
		for i := 0; i < 4; i++ {
			arns = append(arns, start(parent))
		}
		for _, a := range arns {
			if d := closedOn(t, nodes[2], a); d.Status != StatusSucceeded || deref(d.Output) != `{"from":"parent"}` {
				t.Errorf("%s: %s %s %s %s", a, d.Status, deref(d.Output), d.Error, d.Cause)
			}
		}
	})

	t.Run("answer through another node", func(t *testing.T) {
		execArn := start(callback)
		token := tokenFor(t, tokens, execArn)
		_, others := runsOn(t, nodes, execArn)
		if _, err := others[0].s.SendTaskHeartbeat(ctx, testScope, &SendTaskHeartbeatInput{TaskToken: token}); err != nil {
			t.Fatalf("SendTaskHeartbeat through %s: %v", others[0].name, err)
		}
		retry(t, func() error {
			_, err := others[1].s.SendTaskSuccess(ctx, testScope, &SendTaskSuccessInput{TaskToken: token, Output: `{"ok":1}`})
			return err
		})
		if d := closedOn(t, others[0], execArn); d.Status != StatusSucceeded || deref(d.Output) != `{"ok":1}` {
			t.Errorf("through %s: %s %s", others[0].name, d.Status, deref(d.Output))
		}
	})

	t.Run("stop through another node", func(t *testing.T) {
		execArn := start(callback)
		tokenFor(t, tokens, execArn)
		_, others := runsOn(t, nodes, execArn)
		retry(t, func() error {
			_, err := others[0].s.StopExecution(ctx, testScope, &StopExecutionInput{ExecutionArn: execArn, Error: "E", Cause: "C"})
			return err
		})
		if d := closedOn(t, others[1], execArn); d.Status != StatusAborted || d.Error != "E" {
			t.Errorf("through %s: %s %s", others[1].name, d.Status, d.Error)
		}
		// Redriven through another node, it runs its task again.
		retry(t, func() error {
			_, err := others[1].s.RedriveExecution(ctx, testScope, &RedriveExecutionInput{ExecutionArn: execArn})
			return err
		})
		token := tokenFor(t, tokens, execArn)
		retry(t, func() error {
			_, err := others[0].s.SendTaskSuccess(ctx, testScope, &SendTaskSuccessInput{TaskToken: token, Output: `{}`})
			return err
		})
		if d := closedOn(t, others[1], execArn); d.Status != StatusSucceeded || d.RedriveCount != 1 {
			t.Errorf("redriven, through %s: %s, %d redrives", others[1].name, d.Status, d.RedriveCount)
		}
	})

	t.Run("a dead node's executions resume elsewhere", func(t *testing.T) {
		tokenArn := start(callback)
		token := tokenFor(t, tokens, tokenArn)
		holder, _ := runsOn(t, nodes, tokenArn)
		// An execution goes to the node rendezvous hashing prefers for its
		// name: start Wait states until one runs where the task waits.
		var waitArn string
		for i := 0; ; i++ {
			waitArn = start(waiting)
			if n, _ := runsOn(t, nodes, waitArn); n == holder {
				break
			}
			if i == 30 {
				t.Fatalf("no execution went to %s", holder.name)
			}
		}
		var survivors []*clusterNode
		for _, n := range nodes {
			if n != holder {
				survivors = append(survivors, n)
			}
		}
		killed := time.Now()
		holder.kill()
		d := closedOn(t, survivors[0], waitArn)
		t.Logf("the Wait state's execution closed %v after its node died", time.Since(killed))
		if d.Status != StatusSucceeded {
			t.Errorf("%s: %s %s %s", waitArn, d.Status, d.Error, d.Cause)
		}
		events := historyOn(t, survivors[1], waitArn)
		if got := countTypes(events, "WaitStateEntered"); got != 1 {
			t.Errorf("WaitStateEntered recorded %d times: %v", got, types(events))
		}
		if again := tokenFor(t, tokens, tokenArn); again != token { // invoked again where it resumed
			t.Errorf("the task was invoked again with another token")
		}
		retry(t, func() error {
			_, err := survivors[1].s.SendTaskSuccess(ctx, testScope, &SendTaskSuccessInput{TaskToken: token, Output: `{"late":true}`})
			return err
		})
		if d := closedOn(t, survivors[0], tokenArn); d.Status != StatusSucceeded || deref(d.Output) != `{"late":true}` {
			t.Errorf("%s: %s %s", tokenArn, d.Status, deref(d.Output))
		}
		// The index follows the summary stored after the end.
		deadline := time.Now().Add(30 * time.Second)
		for {
			list, err := survivors[1].s.ListExecutions(ctx, testScope, &ListExecutionsInput{StateMachineArn: waiting, StatusFilter: StatusSucceeded})
			found := false
			for _, e := range list.Executions {
				found = found || e.ExecutionArn == waitArn
			}
			if found {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("ListExecutions through %s: %+v, %v", survivors[1].name, list, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func historyOn(t *testing.T, n *clusterNode, execArn string) []*HistoryEvent {
	t.Helper()
	out, err := n.s.GetExecutionHistory(context.Background(), testScope, &GetExecutionHistoryInput{ExecutionArn: execArn, MaxResults: 1000})
	if err != nil {
		t.Fatalf("GetExecutionHistory through %s: %v", n.name, err)
	}
	return out.Events
}

// A node that comes back does not take back the executions that moved
// while it was away: a move would interrupt them again.
func TestExecutionsStayWhereTheyResumed(t *testing.T) {
	ctx := context.Background()
	tokens := make(chan string, 16)
	nodes := startCluster(t, tokens, false)
	out, err := nodes[0].s.CreateStateMachine(ctx, testScope, &CreateStateMachineInput{Name: "callback", Definition: tokenDefinition,
		RoleArn: "arn:aws:iam::123456789012:role/sfn"})
	if err != nil {
		t.Fatal(err)
	}
	started, err := nodes[0].s.StartExecution(ctx, testScope, &StartExecutionInput{StateMachineArn: out.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	execArn := started.ExecutionArn
	token := tokenFor(t, tokens, execArn)
	first, _ := runsOn(t, nodes, execArn)
	first.kill()
	tokenFor(t, tokens, execArn) // resumed on a survivor, which invokes the task again
	second, others := runsOn(t, nodes, execArn)
	fences := second.c.Fences()
	back := first.restart()
	// Once the survivor sees the node back and settled, a group that
	// hands resources over does so at its next tick.
	deadline := time.Now().Add(60 * time.Second)
	for !settled(second.c, back.name) {
		if time.Now().After(deadline) {
			t.Fatalf("%s does not see %s back", second.name, back.name)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Second) // ten ticks, in which nothing must move
	// A node that fenced itself meanwhile (a loaded machine) lost it
	// rightly.
	if holder, _ := runsOn(t, append([]*clusterNode{second, back}, others...), execArn); holder != second {
		if second.c.Fences() == fences {
			t.Fatalf("the execution moved from %s to %s", second.name, holder.name)
		}
		t.Logf("the execution moved from %s to %s, which fenced itself meanwhile", second.name, holder.name)
	}
	retry(t, func() error {
		_, err := back.s.SendTaskSuccess(ctx, testScope, &SendTaskSuccessInput{TaskToken: token, Output: `{}`})
		return err
	})
	if d := closedOn(t, back, execArn); d.Status != StatusSucceeded {
		t.Errorf("%s %s %s", d.Status, d.Error, d.Cause)
	}
}

// settled reports whether c sees node live for longer than the tests'
// Settle.
func settled(c *cluster.Cluster, node string) bool {
	for _, m := range c.Nodes() {
		if m.Name == node && m.Live && time.Since(m.Started) > 600*time.Millisecond {
			return true
		}
	}
	return false
}

// tokenFor is the next task token of execArn's tasks (others' are
// dropped: an execution interrupted on a loaded machine invokes its task
// again).
func tokenFor(t *testing.T, tokens <-chan string, execArn string) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case token := <-tokens:
			if a, _, _ := parseToken(token); a == execArn {
				return token
			}
		case <-timeout:
			t.Fatalf("no task token of %s", execArn)
		}
	}
}

// retry calls fn until it does not fail with a 503 (a node of a loaded
// machine fences itself for a moment; SDKs retry so), for 30 s.
func retry(t *testing.T, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := fn()
		if err == nil {
			return
		}
		if !errors.Is(err, store.ErrUnavailable) || time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A node serves before its watch of the bucket runs: a StartExecution
// through it of a state machine created through another node waits for
// the watch, and finds it.
func TestStartingNodeFindsMachines(t *testing.T) {
	ctx := context.Background()
	suffix := fmt.Sprintf("_c%d", bucketSeq.Add(1))
	tokens := make(chan string, 1)
	gate := make(chan struct{})
	n1 := startNode(t, "n1", clusterStore{st: testStore(t)}, suffix, tokens)
	n2 := startNode(t, "n2", clusterStore{st: testStore(t), runAfter: gate}, suffix, tokens)
	out, err := n1.s.CreateStateMachine(ctx, testScope, &CreateStateMachineInput{Name: "created", Definition: waitDefinition,
		RoleArn: "arn:aws:iam::123456789012:role/sfn"})
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan error, 1)
	go func() {
		_, err := n2.s.StartExecution(ctx, testScope, &StartExecutionInput{StateMachineArn: out.StateMachineArn})
		started <- err
	}()
	select {
	case err := <-started:
		t.Fatalf("answered before its watch ran: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(gate)
	if err := <-started; err != nil {
		t.Fatalf("once its watch ran: %v", err)
	}
}
