package sfn

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/store/natsstore"
)

// The crash test runs executions in a child process (this test binary),
// kills it with SIGKILL at a chosen point, starts another child on the
// same data directory and checks that the executions complete exactly as
// they would have without the crash.

const (
	crashChildEnv    = "NUBO_SFN_CRASH_CHILD" // "run" or "resume"
	crashDirEnv      = "NUBO_SFN_CRASH_DIR"
	crashScenarioEnv = "NUBO_SFN_CRASH_SCENARIO"
)

// crashMachines are the scenarios: a task in flight, and a wait.
var crashMachines = map[string]string{
	"task": `{"StartAt": "A", "States": {
		"A": {"Type": "Pass", "Parameters": {"n.$": "$.n", "items.$": "$.items", "tag": "a"}, "Next": "W"},
		"W": {"Type": "Wait", "Seconds": 0, "Next": "T"},
		"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f", "Payload.$": "$"},
			"ResultSelector": {"v.$": "$.Payload.value"}, "ResultPath": "$.task",
			"Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 2}], "Next": "M"},
		"M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1, "ItemSelector": {"i.$": "$$.Map.Item.Value", "v.$": "$.task.v"}, "ResultPath": "$.mapped",
			"ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "Next": "Z"},
		"Z": {"Type": "Pass", "Parameters": {"mapped.$": "$.mapped", "n.$": "$.n"}, "End": true}}}`,
	"wait": `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "W"}, "W": {"Type": "Wait", "Seconds": 2, "Next": "Z"}, "Z": {"Type": "Pass", "End": true}}}`,
}

// announcingClock is the real clock that prints every long timer it sets,
// so that the parent knows the wait is stored and under way.
type announcingClock struct{ systemClock }

func (announcingClock) After(d time.Duration) <-chan time.Time {
	if d > 500*time.Millisecond {
		fmt.Println("TIMER", d)
	}
	return time.After(d)
}

// crashIntegrations blocks the first child's task and answers the second's.
type crashIntegrations struct{ resume bool }

func (c crashIntegrations) Invoke(ctx context.Context, req *TaskRequest) (json.RawMessage, error) {
	if !c.resume {
		fmt.Println("TASK")
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return json.RawMessage(`{"Payload": {"value": 42}, "StatusCode": 200}`), nil
}

// crashChild is the child process: it returns its exit code.
func crashChild() int {
	mode, scenario := os.Getenv(crashChildEnv), os.Getenv(crashScenarioEnv)
	ctx := context.Background()
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: os.Getenv(crashDirEnv)})
	if err != nil {
		fmt.Println("ERROR", err)
		return 1
	}
	defer st.Close()
	kv, err := st.KV(ctx, "sfn")
	if err != nil {
		fmt.Println("ERROR", err)
		return 1
	}
	table, err := st.Table(ctx, "SFN", "sfn")
	if err != nil {
		fmt.Println("ERROR", err)
		return 1
	}
	s, err := New(ctx, kv, table, Options{Account: testScope.Account, Clock: announcingClock{}, Integrations: crashIntegrations{resume: mode == "resume"}})
	if err != nil {
		fmt.Println("ERROR", err)
		return 1
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go s.Run(runCtx)
	if mode == "run" {
		return crashStart(s, scenario)
	}
	return crashReport(s)
}

func crashStart(s *Service, scenario string) int {
	ctx := context.Background()
	m, err := s.CreateStateMachine(ctx, testScope, &CreateStateMachineInput{Name: scenario, Definition: crashMachines[scenario], RoleArn: "arn:aws:iam::123456789012:role/r"})
	if err != nil {
		fmt.Println("ERROR", err)
		return 1
	}
	input := `{"n": 7, "items": [1, 2, 3]}`
	out, err := s.StartExecution(ctx, testScope, &StartExecutionInput{StateMachineArn: m.StateMachineArn, Name: "e1", Input: &input})
	if err != nil {
		fmt.Println("ERROR", err)
		return 1
	}
	fmt.Println("EXEC", out.ExecutionArn)
	select {} // until killed
}

// crashReport waits for the resumed execution and prints its outcome.
func crashReport(s *Service) int {
	ctx := context.Background()
	<-s.resumed
	for {
		s.mu.Lock()
		var arn string
		var r *run
		for a, x := range s.runs {
			arn, r = a, x
		}
		s.mu.Unlock()
		if r == nil {
			break
		}
		<-r.done
		_ = arn
	}
	s.mu.Lock()
	var arns []string
	for a := range s.execs {
		arns = append(arns, a)
	}
	s.mu.Unlock()
	for _, a := range arns {
		d, err := s.DescribeExecution(ctx, testScope, &ExecutionInput{ExecutionArn: a})
		if err != nil {
			fmt.Println("ERROR", err)
			return 1
		}
		h, err := s.GetExecutionHistory(ctx, testScope, &GetExecutionHistoryInput{ExecutionArn: a, MaxResults: 1000})
		if err != nil {
			fmt.Println("ERROR", err)
			return 1
		}
		b, _ := json.Marshal(map[string]any{"status": d.Status, "output": d.Output, "events": h.Events})
		fmt.Println("RESULT", string(b))
	}
	return 0
}

// child starts the test binary as a child in a mode and returns it with
// a channel of its output lines.
func child(t *testing.T, mode, scenario, dir string) (*exec.Cmd, <-chan string) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+mode, crashScenarioEnv+"="+scenario, crashDirEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return cmd, lines
}

// expect reads the child's lines until one starts with prefix.
func expect(t *testing.T, cmd *exec.Cmd, lines <-chan string, prefix string) string {
	t.Helper()
	v, _ := expectAfter(t, cmd, lines, prefix)
	return v
}

// expectAfter is expect that also returns the lines before prefix's. A
// child that does not print it in two minutes is made to print its
// goroutines (SIGQUIT) before the test fails.
func expectAfter(t *testing.T, cmd *exec.Cmd, lines <-chan string, prefix string) (string, []string) {
	t.Helper()
	var before []string
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("child exited before %s", prefix)
			}
			if strings.HasPrefix(l, "ERROR") {
				t.Fatalf("child: %s", l)
			}
			if strings.HasPrefix(l, prefix) {
				return strings.TrimSpace(strings.TrimPrefix(l, prefix)), before
			}
			before = append(before, l)
		case <-timeout:
			cmd.Process.Signal(syscall.SIGQUIT)
			cmd.Wait()
			t.Fatalf("no %s from the child (its goroutines are above)", prefix)
		}
	}
}

type crashResult struct {
	Status string          `json:"status"`
	Output *string         `json:"output"`
	Events []*HistoryEvent `json:"events"`
	// Resumed is what the resumed child printed before its result.
	Resumed []string `json:"-"`
}

// crashAndResume runs a scenario, kills the child at killAt and returns
// what the resumed child reports.
func crashAndResume(t *testing.T, scenario, killAt string) crashResult {
	dir := t.TempDir()
	cmd, lines := child(t, "run", scenario, dir)
	expect(t, cmd, lines, "EXEC")
	expect(t, cmd, lines, killAt)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	cmd, lines = child(t, "resume", scenario, dir)
	res, resumed := expectAfter(t, cmd, lines, "RESULT")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("resumed child: %v", err)
	}
	var r crashResult
	if err := json.Unmarshal([]byte(res), &r); err != nil {
		t.Fatal(err)
	}
	r.Resumed = resumed
	return r
}

func TestCrashDuringTask(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	r := crashAndResume(t, "task", "TASK")
	if r.Status != StatusSucceeded || deref(r.Output) != `{"mapped":[{"i":1,"v":42},{"i":2,"v":42},{"i":3,"v":42}],"n":7}` {
		b, _ := json.Marshal(r.Events[len(r.Events)-1])
		t.Fatalf("status %s output %s: %s %s", r.Status, deref(r.Output), types(r.Events), b)
	}
	// The attempt in flight at the crash failed and was retried under the
	// state's Retry; every other step happened once.
	want := "ExecutionStarted PassStateEntered PassStateExited WaitStateEntered WaitStateExited TaskStateEntered TaskScheduled TaskStarted TaskFailed " +
		"TaskScheduled TaskStarted TaskSucceeded TaskStateExited MapStateEntered MapStateStarted " +
		"MapIterationStarted PassStateEntered PassStateExited MapIterationSucceeded MapIterationStarted PassStateEntered PassStateExited MapIterationSucceeded " +
		"MapIterationStarted PassStateEntered PassStateExited MapIterationSucceeded MapStateSucceeded MapStateExited PassStateEntered PassStateExited ExecutionSucceeded"
	got := strings.Join(types(r.Events), " ")
	if got != want {
		t.Fatalf("history\n%s\nwant\n%s", got, want)
	}
	for i, e := range r.Events {
		if e.ID != int64(i+1) {
			t.Fatalf("event %d has id %d", i, e.ID)
		}
	}
	if f := r.Events[8].TaskFailedEventDetails; f.Error != "States.TaskFailed" || f.Cause != interruptedCause {
		t.Errorf("interrupted attempt: %+v", f)
	}
}

func TestCrashDuringWait(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	r := crashAndResume(t, "wait", "TIMER")
	if r.Status != StatusSucceeded || deref(r.Output) != `{"n":7,"items":[1,2,3]}` && deref(r.Output) != `{"items":[1,2,3],"n":7}` {
		t.Fatalf("status %s output %s", r.Status, deref(r.Output))
	}
	want := "ExecutionStarted PassStateEntered PassStateExited WaitStateEntered WaitStateExited PassStateEntered PassStateExited ExecutionSucceeded"
	if got := strings.Join(types(r.Events), " "); got != want {
		t.Fatalf("history %s", got)
	}
	// The wait ended when it was due, not two seconds after the restart:
	// the resumed child waited for the rest of it only (or, resumed after
	// it was due, not at all; a child slow to start, on a busy machine,
	// ends the wait late, and that is right).
	waited := r.Events[4].Timestamp.Sub(r.Events[3].Timestamp.Time)
	if waited < 2*time.Second {
		t.Errorf("waited %v", waited)
	}
	for _, l := range r.Resumed {
		if d, err := time.ParseDuration(strings.TrimPrefix(l, "TIMER ")); err == nil && d >= 2*time.Second {
			t.Errorf("the resumed child waited %v again", d)
		}
	}
}
