package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/nubo-dev/nubo/internal/server"
)

const (
	account = "000000000000"
	region  = "us-east-1"
	role    = "arn:aws:iam::000000000000:role/nubo-test"
)

// nubo is a real server running in the test process, and a client of it
// acting in one region.
type nubo struct {
	srv    *server.Server
	addr   string
	dir    string
	region string
	client *lambda.Client
	stop   func()
}

// startNubo starts a server on a free loopback port over dir (a new temporary
// directory when dir is ""); it is stopped when the test ends, or earlier
// by calling stop.
func startNubo(t *testing.T, dir string) *nubo {
	t.Helper()
	return startNuboWith(t, dir, nil)
}

// startNuboWith is startNubo with tweak applied to the configuration.
func startNuboWith(t *testing.T, dir string, tweak func(*server.Config)) *nubo {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	n, stop, err := launch(dir, tweak)
	if err != nil {
		t.Fatalf("start nubo: %v", err)
	}
	stopped := false
	n.stop = func() {
		if stopped {
			return
		}
		stopped = true
		if err := stop(); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(n.stop)
	return n
}

// launch starts a server over dir and returns it with the function that
// stops it.
func launch(dir string, tweak func(*server.Config)) (*nubo, func() error, error) {
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() && os.Getenv("NUBO_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	cfg := server.Config{
		Addr:           "127.0.0.1:0",
		DataDir:        dir,
		Account:        account,
		Region:         region,
		MaxConcurrency: 1000,
		Sandbox:        "process",
		Logger:         log,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	srv, err := server.New(ctx, cfg)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				return fmt.Errorf("nubo stopped with: %w", err)
			}
			return nil
		case <-time.After(30 * time.Second):
			return errors.New("nubo did not stop within 30s")
		}
	}
	n := &nubo{srv: srv, addr: srv.Addr(), dir: dir, region: region, client: lambdaClient(srv.Addr(), region)}
	if err := ensureRole(ctx, srv.Addr(), "nubo-test", allowAll); err != nil {
		stop()
		return nil, nil, err
	}
	return n, stop, nil
}

// Documents of the tests' roles: a trust policy that lets Lambda assume a
// role, and a permissions policy that allows everything.
const (
	// trustLambda lets Lambda (and Scheduler, EventBridge and Step
	// Functions, for their tests' targets and tasks) assume the tests' role.
	trustLambda = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","scheduler.amazonaws.com","events.amazonaws.com","states.amazonaws.com"]},"Action":"sts:AssumeRole"}]}`
	allowAll    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
)

// ensureRole creates an execution role (once: a restarted server keeps
// it) with one inline policy.
func ensureRole(ctx context.Context, addr, name, permissions string) error {
	client := iamClient(addr, "test", "test", "")
	_, err := client.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trustLambda)})
	var exists *iamtypes.EntityAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("create role %s: %w", name, err)
	}
	_, err = client.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("permissions"), PolicyDocument: aws.String(permissions)})
	return err
}

// iamClient is an IAM client of nubo at addr with the given credentials.
func iamClient(addr, id, secret, token string) *iam.Client {
	return iam.NewFromConfig(aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, token),
		BaseEndpoint: aws.String("http://" + addr),
	})
}

// shared is the server of the tests that need none of their own. Starting
// one costs seconds (the runtime catalogue prepares its clients), and a
// region of its own isolates a test as well as a server of its own would:
// functions, reservations and account usage are all per region.
var shared struct {
	once    sync.Once
	n       *nubo
	stop    func() error
	dir     string
	err     error
	mu      sync.Mutex
	regions int
}

// sharedNubo returns the shared server, with a client acting in a region
// that no other test uses.
func sharedNubo(t *testing.T) *nubo {
	t.Helper()
	shared.once.Do(func() {
		if shared.dir, shared.err = os.MkdirTemp("", "nubo-test-"); shared.err == nil {
			shared.n, shared.stop, shared.err = launch(shared.dir, nil)
		}
	})
	if shared.err != nil {
		t.Fatalf("start the shared nubo: %v", shared.err)
	}
	shared.mu.Lock()
	i := shared.regions
	shared.regions++
	shared.mu.Unlock()
	n := *shared.n
	n.region = fmt.Sprintf("%c%c-nubo-1", 'a'+i/26%26, 'a'+i%26)
	n.client = lambdaClient(n.addr, n.region)
	n.stop = func() { t.Fatal("the shared nubo is stopped only after every test") }
	return &n
}

// The package's parallel tests are its slowest, and they mostly wait (on
// leases, schedules and restarts of a nubo process) or run for a set time:
// they run all at once unless -parallel is given.
const parallelTests = 8

func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		flag.Set("test.parallel", strconv.Itoa(parallelTests))
	}
	code := m.Run()
	if shared.stop != nil {
		if err := shared.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop the shared nubo:", err)
			code = 1
		}
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// lambdaClient is an SDK client pointed at addr, as a user would configure it.
func lambdaClient(addr, region string) *lambda.Client {
	return lambda.NewFromConfig(aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://" + addr),
	})
}

// fnARN is the unqualified ARN of a function in the test account and the
// default region.
func fnARN(name string) string {
	return "arn:aws:lambda:" + region + ":" + account + ":function:" + name
}

// arn is the unqualified ARN of a function in n's region.
func (n *nubo) arn(name string) string {
	return "arn:aws:lambda:" + n.region + ":" + account + ":function:" + name
}

// makeZip builds a zip from name/content pairs; a "bootstrap" entry is
// executable.
func makeZip(t testing.TB, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(files); i += 2 {
		hdr := &zip.FileHeader{Name: files[i], Method: zip.Deflate}
		hdr.SetMode(0o644)
		if files[i] == "bootstrap" {
			hdr.SetMode(0o755)
		}
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, files[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bootstrapZip is a tiny custom-runtime package; variant makes packages with
// different hashes.
func bootstrapZip(t testing.TB, variant string) []byte {
	return makeZip(t, "bootstrap", "#!/bin/sh\necho "+variant+"\n")
}

func sha256b64(data []byte) string {
	sum := sha256.Sum256(data)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// createInput is a valid CreateFunction request for name.
func createInput(t testing.TB, name string) *lambda.CreateFunctionInput {
	return &lambda.CreateFunctionInput{
		FunctionName: aws.String(name),
		Role:         aws.String(role),
		Runtime:      types.RuntimeProvidedal2023,
		Handler:      aws.String("bootstrap"),
		Code:         &types.FunctionCode{ZipFile: bootstrapZip(t, name)},
	}
}

// create creates a function from in and waits until it is Active, as a
// user of the SDK would.
func (n *nubo) create(t *testing.T, in *lambda.CreateFunctionInput) *lambda.CreateFunctionOutput {
	t.Helper()
	out, err := n.client.CreateFunction(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateFunction %s: %v", aws.ToString(in.FunctionName), err)
	}
	n.waitActive(t, aws.ToString(in.FunctionName))
	return out
}

// createNamed creates a default function called name and waits for it.
func (n *nubo) createNamed(t *testing.T, name string) *lambda.CreateFunctionOutput {
	t.Helper()
	return n.create(t, createInput(t, name))
}

// Waiters poll quickly: nubo activates in milliseconds, and the SDK's 1 s
// default would make the suite slow without testing anything more.
const (
	fastWait  = 10 * time.Millisecond
	waitLimit = 30 * time.Second
)

func fastActive(o *lambda.FunctionActiveV2WaiterOptions) {
	o.MinDelay, o.MaxDelay = fastWait, 10*fastWait
}

func fastUpdated(o *lambda.FunctionUpdatedV2WaiterOptions) {
	o.MinDelay, o.MaxDelay = fastWait, 10*fastWait
}

func (n *nubo) waitActive(t *testing.T, name string) {
	t.Helper()
	w := lambda.NewFunctionActiveV2Waiter(n.client, fastActive)
	if err := w.Wait(context.Background(), &lambda.GetFunctionInput{FunctionName: aws.String(name)}, waitLimit); err != nil {
		t.Fatalf("wait for %s to be Active: %v", name, err)
	}
}

func (n *nubo) waitUpdated(t *testing.T, name string) {
	t.Helper()
	w := lambda.NewFunctionUpdatedV2Waiter(n.client, fastUpdated)
	if err := w.Wait(context.Background(), &lambda.GetFunctionInput{FunctionName: aws.String(name)}, waitLimit); err != nil {
		t.Fatalf("wait for %s's update: %v", name, err)
	}
}

// publish publishes $LATEST of name and returns the version number.
func (n *nubo) publish(t *testing.T, name string) string {
	t.Helper()
	out, err := n.client.PublishVersion(context.Background(), &lambda.PublishVersionInput{FunctionName: aws.String(name)})
	if err != nil {
		t.Fatalf("PublishVersion %s: %v", name, err)
	}
	return aws.ToString(out.Version)
}

// updateCode replaces name's code and waits for the update to finish.
func (n *nubo) updateCode(t *testing.T, name string, zipped []byte) *lambda.UpdateFunctionCodeOutput {
	t.Helper()
	out, err := n.client.UpdateFunctionCode(context.Background(), &lambda.UpdateFunctionCodeInput{FunctionName: aws.String(name), ZipFile: zipped})
	if err != nil {
		t.Fatalf("UpdateFunctionCode %s: %v", name, err)
	}
	n.waitUpdated(t, name)
	return out
}

// download fetches a GetFunction Code.Location with plain net/http.
func download(t *testing.T, location string) []byte {
	t.Helper()
	resp, err := http.Get(location)
	if err != nil {
		t.Fatalf("download %s: %v", location, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("download %s: %v", location, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("download %s: status %d: %s", location, resp.StatusCode, body)
	}
	return body
}

// apiError is what a test expects of a failed call: the AWS error code, the
// HTTP status and, when not empty, the exact message (or its beginning, when
// it ends with "…").
type apiError struct {
	code    string
	status  int
	message string
}

// checkError asserts that err is the AWS error want, with its HTTP status.
func checkError(t *testing.T, err error, want apiError) {
	t.Helper()
	if err == nil {
		t.Fatalf("got success, want %s (%d)", want.code, want.status)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want the AWS error %s", err, want.code)
	}
	if got := ae.ErrorCode(); got != want.code {
		t.Errorf("error code: got %s (%s), want %s", got, ae.ErrorMessage(), want.code)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("error %v carries no HTTP response", err)
	}
	if got := re.HTTPStatusCode(); got != want.status {
		t.Errorf("HTTP status: got %d, want %d (%s)", got, want.status, ae.ErrorMessage())
	}
	prefix, partial := strings.CutSuffix(want.message, "…")
	switch {
	case partial && !strings.HasPrefix(ae.ErrorMessage(), prefix):
		t.Errorf("message:\n got %q\nwant %q", ae.ErrorMessage(), want.message)
	case !partial && want.message != "" && ae.ErrorMessage() != want.message:
		t.Errorf("message:\n got %q\nwant %q", ae.ErrorMessage(), want.message)
	}
}

// isErr asserts that err is (or wraps) the typed SDK error T.
func isErr[T error](t *testing.T, err error) T {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("got %T (%v), want %T", err, err, target)
	}
	return target
}

// The expected errors, by class.
func notFound(msg string) apiError {
	return apiError{code: "ResourceNotFoundException", status: 404, message: msg}
}

func invalidParam(msg string) apiError {
	return apiError{code: "InvalidParameterValueException", status: 400, message: msg}
}

func validation(msg string) apiError {
	return apiError{code: "ValidationException", status: 400, message: msg}
}

func conflict(msg string) apiError {
	return apiError{code: "ResourceConflictException", status: 409, message: msg}
}

func precondition() apiError {
	return apiError{code: "PreconditionFailedException", status: 412,
		message: "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id"}
}
