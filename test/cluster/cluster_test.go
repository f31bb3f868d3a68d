// Package cluster is the end-to-end test of cluster mode: three nubo
// nodes, each in a network namespace the test creates, made one platform
// by nubo serve --cluster; the test kills, restarts and partitions them.
// It needs root (namespaces, nftables) and runs without the race detector
// (scripts/test runs the tests named *Cluster* so).
package cluster

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

const (
	account  = "000000000000"
	roleName = "cluster-test"
)

func skipUnlessPossible(t *testing.T) {
	switch {
	case testing.Short():
		t.Skip("-short")
	case race:
		t.Skip("runs without -race (scripts/test runs the *Cluster* tests so)")
	case os.Geteuid() != 0:
		t.Skip("needs root for network namespaces")
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s", tool)
		}
	}
}

func TestClusterThreeNodes(t *testing.T) {
	skipUnlessPossible(t)
	work := t.TempDir()
	bin, code := build(t, work)
	h := newHarness(t, 3, bin, work)
	for _, nd := range h.nodes {
		h.launch(nd)
	}
	for _, nd := range h.nodes {
		h.waitUp(nd)
	}
	h.waitLive(h.nodes, "n1,n2,n3", 60*time.Second)
	records := filepath.Join(work, "records")
	f := &fixture{h: h, records: records, code: code}
	f.setUp(t)

	t.Run("every node serves every function", f.everyNode)
	t.Run("every node serves every queue", f.sqsEveryNode)
	t.Run("every node follows the rules and routes written through another", f.followEveryNode)
	t.Run("every node serves every table", f.dynamodbEveryNode)
	t.Run("a stream mapping delivers each record once", f.streamMappingOnce)
	t.Run("a Step Functions execution waits on the node to be killed", f.sfnStart)
	t.Run("an activity task on n3 reaches a worker polling n1", f.sfnActivityAnyNode)
	t.Run("s3: an object put through n3 is read through the others", f.s3PutOnVictim)
	t.Run("kill -9 one node under load", f.killOne)
	t.Run("the bill counts every node's invocations once", f.billAfterKill)
	t.Run("tables written through the killed node survive", f.dynamodbAfterKill)
	t.Run("the execution resumes on a survivor", f.sfnSurvives)
	t.Run("s3: n3's object outlives it", f.s3ReadFromSurvivors)
	t.Run("the node restarts and takes work", f.restart)
	t.Run("a partitioned node refuses writes", f.partition)
}

// fixture is what the subtests share.
type fixture struct {
	h       *harness
	records string // the file the function appends its events to
	code    []byte
	queue   string // the SQS queue, held by n3 while every node lives
	killed  int    // the pid of the node killed, so that restart tells it from the new one
	// syncResults are the kill step's synchronous invocations of rec.
	syncResults []syncResult
	// execution is the Step Functions execution left waiting on the
	// node killed.
	execution sfnExecution
}

// setUp creates the role and the function through n1.
func (f *fixture) setUp(t *testing.T) {
	ctx := context.Background()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := f.h.iam(f.h.nodes[0]).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(roleName),
		AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	f.create(t, f.h.nodes[0], "rec")
	f.queue = queueHeldBy(f.h.nodes[2], f.h.nodes)
	f.createQueue(t, f.h.nodes[0], f.queue)
}

// create creates function name through nd and waits until it is active
// there.
func (f *fixture) create(t *testing.T, nd *node, name string) {
	t.Helper()
	ctx := context.Background()
	c := f.h.lambda(nd)
	_, err := c.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name), Runtime: types.RuntimeProvidedal2023,
		Handler: aws.String("bootstrap"), Role: aws.String("arn:aws:iam::" + account + ":role/" + roleName),
		Code: &types.FunctionCode{ZipFile: f.code}, Timeout: aws.Int32(30),
		Environment: &types.Environment{Variables: map[string]string{"RECORD": f.records}}})
	if err != nil {
		t.Fatalf("create %s through %s: %v", name, nd.name, err)
	}
	if err := lambda.NewFunctionActiveV2Waiter(c).Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)}, time.Minute); err != nil {
		t.Fatalf("%s active: %v", name, err)
	}
}

// invoke invokes name synchronously through nd with event ev.
func (f *fixture) invoke(ctx context.Context, nd *node, name string, ev map[string]any) error {
	payload, _ := json.Marshal(ev)
	out, err := f.h.lambda(nd).Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name), Payload: payload})
	if err != nil {
		return err
	}
	if out.FunctionError != nil {
		return fmt.Errorf("function error %s: %s", *out.FunctionError, out.Payload)
	}
	return nil
}

// enqueue invokes name asynchronously through nd with event ev.
func (f *fixture) enqueue(ctx context.Context, nd *node, name string, ev map[string]any) error {
	payload, _ := json.Marshal(ev)
	_, err := f.h.lambda(nd).Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name), Payload: payload,
		InvocationType: types.InvocationTypeEvent})
	return err
}

// everyNode invokes through every node, functions created through
// another node included.
func (f *fixture) everyNode(t *testing.T) {
	ctx := context.Background()
	f.create(t, f.h.nodes[1], "made-on-n2")
	for _, nd := range f.h.nodes {
		for _, fn := range []string{"rec", "made-on-n2"} {
			if err := f.invoke(ctx, nd, fn, map[string]any{"op": "record", "value": "hello-" + fn + "-" + nd.name}); err != nil {
				t.Errorf("invoke %s through %s: %v", fn, nd.name, err)
			}
		}
	}
	seen := f.read(t)
	for _, nd := range f.h.nodes {
		for _, fn := range []string{"rec", "made-on-n2"} {
			if v := "hello-" + fn + "-" + nd.name; len(seen[v]) != 1 {
				t.Errorf("%s ran %d times, want 1", v, len(seen[v]))
			}
		}
	}
}

// run is one recorded run of an event: the function's pid and its
// node's.
type run struct{ pid, node int }

// read reads the records: every value with the runs that recorded it.
func (f *fixture) read(t *testing.T) map[string][]run {
	t.Helper()
	file, err := os.Open(f.records)
	if errors.Is(err, os.ErrNotExist) {
		return map[string][]run{}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	seen := map[string][]run{}
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 {
			t.Fatalf("a torn record: %q", sc.Text())
		}
		pid, _ := strconv.Atoi(fields[1])
		ppid, _ := strconv.Atoi(fields[2])
		seen[fields[0]] = append(seen[fields[0]], run{pid, ppid})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return seen
}
