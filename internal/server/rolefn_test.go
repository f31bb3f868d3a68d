package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// roleWorld is what a function tries with its role's credentials: its own
// queue, another queue, another function and a topic. Its role allows it
// its own queue and nothing else.
type roleWorld struct {
	Role                          string `json:"-"`
	Queue, Other, Function, Topic string
}

func (n *nubo) roleWorld(t *testing.T) roleWorld {
	t.Helper()
	ctx := context.Background()
	q := n.sqs()
	w := roleWorld{Role: "arn:aws:iam::" + account + ":role/queue-only", Queue: n.createQueue(t, q, "mine", nil),
		Other: n.createQueue(t, q, "other", nil), Function: "victim", Topic: topicARN("news")}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:SendMessage","sqs:ReceiveMessage"],"Resource":"` + queueARN("mine") + `"}]}`
	if err := ensureRole(ctx, n.addr, "queue-only", policy); err != nil {
		t.Fatal(err)
	}
	n.createNamed(t, "victim")
	if _, err := n.sns().CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("news")}); err != nil {
		t.Fatal(err)
	}
	return w
}

// tryAsRole creates a function of the role and package in and invokes it
// with the world; it returns the outcomes it reports.
func (n *nubo) tryAsRole(t *testing.T, w roleWorld, in *lambda.CreateFunctionInput) map[string]string {
	t.Helper()
	in.Role, in.Timeout = aws.String(w.Role), aws.Int32(60)
	n.create(t, in)
	payload, _ := json.Marshal(w)
	out, err := n.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: in.FunctionName, Payload: payload})
	if err != nil {
		t.Fatalf("invoke %s: %v", aws.ToString(in.FunctionName), err)
	}
	if out.FunctionError != nil {
		t.Fatalf("invoke %s: %s", aws.ToString(in.FunctionName), out.Payload)
	}
	var got map[string]string
	if err := json.Unmarshal(out.Payload, &got); err != nil {
		t.Fatalf("%s answered %s", aws.ToString(in.FunctionName), out.Payload)
	}
	return got
}

// wantOutcomes is what a function allowed only its own queue gets.
var wantOutcomes = map[string]string{"send": "ok", "receive": "ok", "other": "AccessDenied",
	"config": "AccessDeniedException", "delete": "AccessDeniedException", "subscribe": "AuthorizationError"}

// Functions act as their execution role: an unmodified SDK inside finds
// the role's credentials and nubo's endpoint in its environment, and what
// it may do is what the role's policy allows, in Go, Python (boto3) and
// Node.js (the JavaScript SDK v3).
func TestFunctionsActAsTheirRole(t *testing.T) {
	n := startNubo(t, "")
	w := n.roleWorld(t)
	t.Run("go", func(t *testing.T) {
		in := createInput(t, "role-go")
		in.Code.ZipFile = roleFunctionZip(t)
		if got := n.tryAsRole(t, w, in); !reflect.DeepEqual(got, wantOutcomes) {
			t.Errorf("outcomes %v, want %v", got, wantOutcomes)
		}
	})
	t.Run("python", func(t *testing.T) {
		app, err := os.ReadFile("testdata/rolefn-python/app.py")
		if err != nil {
			t.Fatal(err)
		}
		in := createInput(t, "role-python")
		in.Runtime, in.Handler, in.Code.ZipFile = ltypes.RuntimePython312, aws.String("app.handler"), makeZip(t, "app.py", string(app))
		if got := n.tryAsRole(t, w, in); !reflect.DeepEqual(got, wantOutcomes) {
			t.Errorf("outcomes %v, want %v", got, wantOutcomes)
		}
	})
	t.Run("node", func(t *testing.T) {
		in := createInput(t, "role-node")
		in.Runtime, in.Handler, in.Code.ZipFile = ltypes.RuntimeNodejs20x, aws.String("index.handler"), nodeFunctionZip(t)
		want := map[string]string{"send": "ok", "receive": "ok", "other": "AccessDenied"}
		if got := n.tryAsRole(t, w, in); !reflect.DeepEqual(got, want) {
			t.Errorf("outcomes %v, want %v", got, want)
		}
	})
	// The function the others tried to delete is still there.
	if _, err := n.client.GetFunction(context.Background(), &lambda.GetFunctionInput{FunctionName: aws.String("victim")}); err != nil {
		t.Fatal(err)
	}
}

var roleFn struct {
	once sync.Once
	zip  []byte
	err  error
}

// roleFunctionZip is testdata/rolefn, built once.
func roleFunctionZip(t *testing.T) []byte {
	t.Helper()
	roleFn.once.Do(func() {
		dir, err := os.MkdirTemp("", "nubo-rolefn-")
		if err != nil {
			roleFn.err = err
			return
		}
		defer os.RemoveAll(dir)
		cmd := exec.Command("go", "build", "-ldflags=-s -w", "-o", filepath.Join(dir, "bootstrap"), "./testdata/rolefn")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			roleFn.err = fmt.Errorf("build: %v\n%s", err, out)
			return
		}
		bin, err := os.ReadFile(filepath.Join(dir, "bootstrap"))
		if err != nil {
			roleFn.err = err
			return
		}
		roleFn.zip = storedZip(t, "bootstrap", bin)
	})
	if roleFn.err != nil {
		t.Fatal(roleFn.err)
	}
	return roleFn.zip
}

// nodeFunctionZip is testdata/rolefn-node with the JavaScript SDK's SQS
// client, installed once into the user's cache directory from the npm
// registry.
func nodeFunctionZip(t *testing.T) []byte {
	t.Helper()
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm is missing: it installs the JavaScript SDK v3 (CI has it)")
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cache, "nubo-test", "aws-sdk-js-v3")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@aws-sdk", "client-sqs", "package.json")); err != nil {
		cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--prefix", dir, "@aws-sdk/client-sqs@3")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm install @aws-sdk/client-sqs: %v\n%s", err, out)
		}
	}
	index, err := os.ReadFile("testdata/rolefn-node/index.js")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("index.js")
	w.Write(index)
	err = filepath.WalkDir(filepath.Join(dir, "node_modules"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		w, err := zw.Create(filepath.ToSlash(rel))
		if err == nil {
			_, err = w.Write(data)
		}
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
