package sfnapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/services/sfn"
	"github.com/nubo-dev/nubo/internal/services/sfn/sfnapi"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/wire"
)

const (
	account    = "000000000000"
	machineArn = "arn:aws:states:us-east-1:000000000000:stateMachine:m"
)

// api serves Step Functions on a real store in a temporary directory.
func api(t testing.TB) *wire.Service {
	ctx := context.Background()
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	kv, err := st.KV(ctx, "sfn")
	if err != nil {
		t.Fatal(err)
	}
	table, err := st.Table(ctx, "SFN", "sfn")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := sfn.New(ctx, kv, table, sfn.Options{Account: account, Logger: log, ActivityPoll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { svc.Run(runCtx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return sfnapi.New(svc, account, log)
}

// call sends one AWS JSON 1.0 request and returns the status and body.
func call(ctx context.Context, s *wire.Service, op, body string) (int, string) {
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("X-Amz-Target", "AWSStepFunctions."+op)
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	r = r.WithContext(wire.WithCall(ctx, &wire.Call{ID: "id", Region: "us-east-1", Request: r}))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

// Every operation is declared under AWS's name and speaks AWS's shapes:
// members by their JSON names, timestamps in epoch seconds, errors with
// their __type.
func TestOperations(t *testing.T) {
	s := api(t)
	ctx := context.Background()
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"ok":true},"End":true}}}`
	create, _ := json.Marshal(map[string]any{"name": "m", "definition": def, "roleArn": "arn:aws:iam::000000000000:role/r", "type": "EXPRESS"})
	for _, c := range []struct {
		op, body string
		status   int
		want     string
	}{
		{"CreateStateMachine", string(create), 200, `"stateMachineArn":"` + machineArn + `"`},
		{"DescribeStateMachine", `{"stateMachineArn":"` + machineArn + `"}`, 200, `"type":"EXPRESS"`},
		{"StartSyncExecution", `{"stateMachineArn":"` + machineArn + `","input":"{}"}`, 200, `"output":"{\"ok\":true}"`},
		{"DescribeStateMachine", `{"stateMachineArn":"` + machineArn + `x"}`, 400, `"__type":"StateMachineDoesNotExist"`},
		{"ListStateMachines", `{}`, 200, `"creationDate":1`},
		{"CreateActivity", `{"name":"a"}`, 200, `"activityArn":"arn:aws:states:us-east-1:000000000000:activity:a"`},
		{"GetActivityTask", `{"activityArn":"arn:aws:states:us-east-1:000000000000:activity:a"}`, 200, `{}`},
		{"ValidateStateMachineDefinition", `{"definition":"{}"}`, 200, `"result":"FAIL"`},
		{"DescribeMapRun", `{}`, 400, `"__type":"UnknownOperationException"`},
		{"StartExecution", `{"stateMachineArn":`, 400, `"__type":"SerializationException"`},
	} {
		status, body := call(ctx, s, c.op, c.body)
		if status != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s %s: %d %s, want %d with %s", c.op, c.body, status, body, c.status, c.want)
		}
	}
}

// FuzzService sends arbitrary requests to Step Functions on a real store:
// whatever arrives, it answers in an AWS shape and never fails with a
// server error or panics. Each request has a short deadline, so that
// long polls and synchronous executions end.
func FuzzService(f *testing.F) {
	s := api(f)
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	create, _ := json.Marshal(map[string]any{"name": "m", "definition": def, "roleArn": "arn:aws:iam::000000000000:role/r"})
	f.Add("CreateStateMachine", string(create))
	f.Add("StartExecution", `{"stateMachineArn":"`+machineArn+`","name":"e","input":"{\"a\":1}"}`)
	f.Add("GetExecutionHistory", `{"executionArn":"arn:aws:states:us-east-1:000000000000:execution:m:e","maxResults":2,"reverseOrder":true}`)
	f.Add("ListExecutions", `{"stateMachineArn":"`+machineArn+`","statusFilter":"SUCCEEDED","nextToken":"x"}`)
	f.Add("SendTaskSuccess", `{"taskToken":"abc","output":"{}"}`)
	f.Add("UpdateStateMachine", `{"stateMachineArn":"`+machineArn+`","definition":"{","publish":true}`)
	f.Add("CreateStateMachineAlias", `{"name":"live","routingConfiguration":[{"stateMachineVersionArn":"`+machineArn+`:1","weight":100}]}`)
	f.Fuzz(func(t *testing.T, op, body string) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		status, out := call(ctx, s, op, body)
		if status >= 500 && ctx.Err() == nil {
			t.Fatalf("%s %q: status %d: %s", op, body, status, out)
		}
	})
}
