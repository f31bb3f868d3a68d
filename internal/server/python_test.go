package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

const pythonWho = `import os
def handler(event, context):
    return {"var": os.environ["MY_VAR"], "ppid": os.getppid(), "request": context.aws_request_id}
`

// With the process driver, Python environments are forked from a
// pre-initialised interpreter once its fork server is ready: each new
// configuration gets new environments that see its variables, whether
// they are forked or executed.
func TestPythonEnvironmentsForked(t *testing.T) {
	n := sharedNubo(t)
	n.create(t, &lambda.CreateFunctionInput{
		FunctionName: aws.String("py-forked"), Role: aws.String(role), Runtime: types.RuntimePython312,
		Handler: aws.String("app.handler"), Code: &types.FunctionCode{ZipFile: makeZip(t, "app.py", pythonWho)},
		Environment: &types.Environment{Variables: map[string]string{"MY_VAR": "round-0"}},
	})
	deadline := time.Now().Add(30 * time.Second)
	for round := 0; ; round++ {
		value := fmt.Sprintf("round-%d", round)
		if round > 0 {
			_, err := n.client.UpdateFunctionConfiguration(context.Background(), &lambda.UpdateFunctionConfigurationInput{
				FunctionName: aws.String("py-forked"), Environment: &types.Environment{Variables: map[string]string{"MY_VAR": value}}})
			if err != nil {
				t.Fatal(err)
			}
			n.waitUpdated(t, "py-forked")
		}
		out, err := n.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("py-forked"), LogType: types.LogTypeTail})
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Var     string `json:"var"`
			PPID    int    `json:"ppid"`
			Request string `json:"request"`
		}
		if err := json.Unmarshal(out.Payload, &got); err != nil || out.FunctionError != nil {
			t.Fatalf("round %d: %s (%v)", round, out.Payload, err)
		}
		tail, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
		if got.Var != value || !strings.Contains(string(tail), "REPORT RequestId: "+got.Request) || !strings.Contains(string(tail), "Init Duration: ") {
			t.Fatalf("round %d: got %+v, log:\n%s", round, got, tail)
		}
		if got.PPID != os.Getpid() {
			return // forked: its parent is the fork server
		}
		if time.Now().After(deadline) {
			t.Fatalf("no environment forked after %d rounds", round+1)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
