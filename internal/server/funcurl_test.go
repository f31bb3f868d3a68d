package server_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

var httpFn struct {
	once sync.Once
	zip  []byte
	err  error
}

// httpFunctionZip is testdata/httpfn, built once.
func httpFunctionZip(t *testing.T) []byte {
	t.Helper()
	httpFn.once.Do(func() {
		dir, err := os.MkdirTemp("", "nubo-httpfn-")
		if err != nil {
			httpFn.err = err
			return
		}
		defer os.RemoveAll(dir)
		cmd := exec.Command("go", "build", "-ldflags=-s -w", "-o", filepath.Join(dir, "bootstrap"), "./testdata/httpfn")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			httpFn.err = fmt.Errorf("build: %v\n%s", err, out)
			return
		}
		bin, err := os.ReadFile(filepath.Join(dir, "bootstrap"))
		if err != nil {
			httpFn.err = err
			return
		}
		httpFn.zip = storedZip(t, "bootstrap", bin)
	})
	if httpFn.err != nil {
		t.Fatal(httpFn.err)
	}
	return httpFn.zip
}

// createHTTPFunction creates a function running testdata/httpfn, which
// times out after 10 s: a starved invocation on a loaded machine finishes.
func (n *nubo) createHTTPFunction(t *testing.T, name string) {
	t.Helper()
	n.createHTTPFunctionTimeout(t, name, 10)
}

// createHTTPFunctionTimeout creates it with a timeout of seconds.
func (n *nubo) createHTTPFunctionTimeout(t *testing.T, name string, seconds int32) {
	t.Helper()
	n.create(t, &lambda.CreateFunctionInput{FunctionName: aws.String(name), Role: aws.String(role), Runtime: types.RuntimeProvidedal2023,
		Handler: aws.String("bootstrap"), Code: &types.FunctionCode{ZipFile: httpFunctionZip(t)}, Timeout: aws.Int32(seconds)})
}

// web is an HTTP client that reaches nubo whatever host a URL names, as
// a browser resolves every *.localhost name to loopback.
func (n *nubo) web() *http.Client {
	dialer := &net.Dialer{}
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, n.addr)
	}}}
}

// fetch sends a request and returns the response with its body read.
func fetch(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func newRequest(t *testing.T, method, url, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestFunctionURLConfigs(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	n.createNamed(t, "urls")
	if _, err := n.client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("urls"), Name: aws.String("live"), FunctionVersion: aws.String("$LATEST")}); err != nil {
		t.Fatal(err)
	}
	created, err := n.client.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("urls"), AuthType: types.FunctionUrlAuthTypeNone,
		Cors: &types.Cors{AllowOrigins: []string{"*"}, MaxAge: aws.Int32(60)}})
	if err != nil {
		t.Fatal(err)
	}
	wantURL := fmt.Sprintf(`^http://[a-z0-9]{32}\.lambda-url\.%s\.localhost:%s/$`, n.region, n.addr[strings.LastIndex(n.addr, ":")+1:])
	if !matchString(wantURL, aws.ToString(created.FunctionUrl)) || aws.ToString(created.FunctionArn) != n.arn("urls") ||
		created.InvokeMode != types.InvokeModeBuffered || aws.ToInt32(created.Cors.MaxAge) != 60 || aws.ToString(created.CreationTime) == "" {
		t.Errorf("created %+v", created)
	}
	_, err = n.client.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("urls"), AuthType: types.FunctionUrlAuthTypeNone})
	checkError(t, err, conflict("Failed to create function url config for [functionArn = "+n.arn("urls")+"]. Error message:  FunctionUrlConfig exists for this Lambda function"))
	alias, err := n.client.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("urls"), Qualifier: aws.String("live"),
		AuthType: types.FunctionUrlAuthTypeAwsIam, InvokeMode: types.InvokeModeResponseStream})
	if err != nil || aws.ToString(alias.FunctionArn) != n.arn("urls")+":live" || alias.FunctionUrl == created.FunctionUrl {
		t.Fatalf("alias URL: %v %+v", err, alias)
	}
	updated, err := n.client.UpdateFunctionUrlConfig(ctx, &lambda.UpdateFunctionUrlConfigInput{FunctionName: aws.String("urls"), AuthType: types.FunctionUrlAuthTypeAwsIam})
	if err != nil || updated.AuthType != types.FunctionUrlAuthTypeAwsIam || aws.ToInt32(updated.Cors.MaxAge) != 60 || aws.ToString(updated.FunctionUrl) != aws.ToString(created.FunctionUrl) {
		t.Errorf("updated %v %+v", err, updated)
	}
	list, err := n.client.ListFunctionUrlConfigs(ctx, &lambda.ListFunctionUrlConfigsInput{FunctionName: aws.String("urls")})
	if err != nil || len(list.FunctionUrlConfigs) != 2 {
		t.Fatalf("list %v %+v", err, list)
	}
	page, err := n.client.ListFunctionUrlConfigs(ctx, &lambda.ListFunctionUrlConfigsInput{FunctionName: aws.String("urls"), MaxItems: aws.Int32(1)})
	if err != nil || len(page.FunctionUrlConfigs) != 1 || page.NextMarker == nil {
		t.Errorf("page %v %+v", err, page)
	}
	_, err = n.client.GetFunctionUrlConfig(ctx, &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String("urls"), Qualifier: aws.String("1")})
	checkError(t, err, validation(`1 validation error detected: Value '1' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\d+$)^[0-9a-zA-Z-_]+$)`))
	_, err = n.client.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("nothing-here"), AuthType: types.FunctionUrlAuthTypeNone})
	checkError(t, err, notFound("Function not found: "+n.arn("nothing-here")))
	if _, err := n.client.DeleteFunctionUrlConfig(ctx, &lambda.DeleteFunctionUrlConfigInput{FunctionName: aws.String("urls")}); err != nil {
		t.Fatal(err)
	}
	_, err = n.client.GetFunctionUrlConfig(ctx, &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String("urls")})
	checkError(t, err, notFound("The resource you requested does not exist."))
	// Deleting the function deletes its URLs.
	if _, err := n.client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("urls")}); err != nil {
		t.Fatal(err)
	}
	resp, body := fetch(t, n.web(), newRequest(t, "GET", aws.ToString(alias.FunctionUrl), ""))
	if resp.StatusCode != 404 || body != `{"Message":"Not Found"}` {
		t.Errorf("URL of a deleted function: %d %s", resp.StatusCode, body)
	}
}

func matchString(pattern, s string) bool {
	ok, _ := regexp.MatchString(pattern, s)
	return ok
}

// urlOf creates a URL for name (qualifier may be "") and returns it.
func (n *nubo) urlOf(t *testing.T, in *lambda.CreateFunctionUrlConfigInput) string {
	t.Helper()
	out, err := n.client.CreateFunctionUrlConfig(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateFunctionUrlConfig: %v", err)
	}
	return aws.ToString(out.FunctionUrl)
}

// urlEvent is what httpfn echoes: the event it received.
type urlEvent struct {
	RawPath        string            `json:"rawPath"`
	RawQueryString string            `json:"rawQueryString"`
	Cookies        []string          `json:"cookies"`
	Headers        map[string]string `json:"headers"`
	Query          map[string]string `json:"queryStringParameters"`
	Body           string            `json:"body"`
	IsBase64       bool              `json:"isBase64Encoded"`
	RequestContext struct {
		AccountID  string `json:"accountId"`
		APIID      string `json:"apiId"`
		DomainName string `json:"domainName"`
		RequestID  string `json:"requestId"`
		Stage      string `json:"stage"`
		RouteKey   string `json:"routeKey"`
		HTTP       struct {
			Method, Path, Protocol, SourceIP string
		} `json:"http"`
		Authorizer struct {
			IAM    map[string]string `json:"iam"`
			JWT    map[string]any    `json:"jwt"`
			Lambda map[string]any    `json:"lambda"`
		} `json:"authorizer"`
	} `json:"requestContext"`
	PathParameters map[string]string `json:"pathParameters"`
	StageVariables map[string]string `json:"stageVariables"`
}

func decodeURLEvent(t *testing.T, body string) urlEvent {
	t.Helper()
	var ev urlEvent
	if err := json.Unmarshal([]byte(body), &ev); err != nil {
		t.Fatalf("not an event: %v: %s", err, body)
	}
	return ev
}

func TestFunctionURLInvoke(t *testing.T) {
	n := sharedNubo(t)
	n.createHTTPFunction(t, "web")
	url := n.urlOf(t, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("web"), AuthType: types.FunctionUrlAuthTypeNone,
		Cors: &types.Cors{AllowOrigins: []string{"https://app.example.com"}, AllowMethods: []string{"GET", "POST"}, AllowHeaders: []string{"content-type"}, MaxAge: aws.Int32(300)}})
	web := n.web()
	req := newRequest(t, "POST", url+"items/7?b=2&a=1&a=x%20y", `{"n":1}`)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Cookie", "c1=1; c2=2")
	req.Header.Set("Origin", "https://app.example.com")
	resp, body := fetch(t, web, req)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	ev := decodeURLEvent(t, body)
	id := strings.Split(strings.TrimPrefix(url, "http://"), ".")[0]
	if ev.RawPath != "/items/7" || ev.RawQueryString != "b=2&a=1&a=x%20y" || ev.Query["a"] != "1,x y" || ev.Body != `{"n":1}` || ev.IsBase64 ||
		strings.Join(ev.Cookies, ";") != "c1=1;c2=2" || ev.Headers["cookie"] != "" || ev.Headers["content-type"] != "application/json" ||
		ev.Headers["x-forwarded-for"] != "127.0.0.1" || ev.Headers["x-amzn-trace-id"] == "" {
		t.Errorf("event %+v", ev)
	}
	rc := ev.RequestContext
	if rc.APIID != id || rc.AccountID != account || rc.DomainName != id+".lambda-url."+n.region+".localhost" || rc.HTTP.Method != "POST" ||
		rc.HTTP.Path != "/items/7" || rc.HTTP.SourceIP != "127.0.0.1" || rc.RequestID != resp.Header.Get("X-Amzn-Requestid") || rc.Stage != "$default" {
		t.Errorf("requestContext %+v (request id header %s)", rc, resp.Header.Get("X-Amzn-Requestid"))
	}
	if got := resp.Header.Values("Set-Cookie"); strings.Join(got, "|") != "session=abc; Path=/|theme=dark" {
		t.Errorf("cookies %v", got)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("CORS headers replace the function's: %v", resp.Header)
	}
	// The path form reaches the same URL.
	resp, body = fetch(t, http.DefaultClient, newRequest(t, "GET", "http://"+n.addr+"/_nubo/urls/"+id+"/via/path?x=1", ""))
	if ev := decodeURLEvent(t, body); resp.StatusCode != 200 || ev.RawPath != "/via/path" || ev.Query["x"] != "1" {
		t.Errorf("path form: %d %+v", resp.StatusCode, ev)
	}
	// A binary body travels base64-encoded.
	req = newRequest(t, "PUT", url+"bin", "\x00\x01\xff")
	req.Header.Set("Content-Type", "application/octet-stream")
	if _, body = fetch(t, web, req); decodeURLEvent(t, body).Body != "AAH/" || !decodeURLEvent(t, body).IsBase64 {
		t.Errorf("binary body: %s", body)
	}
	for _, tt := range []struct {
		path   string
		status int
		ct     string
		body   string
	}{
		{"raw", 200, "application/json", `{"hello":"world"}`},
		{"string", 200, "application/json", "just text"},
		{"binary", 200, "application/octet-stream", "\x00\x01\x02\xff"},
		{"error", 502, "application/json", `{"Message":"Internal Server Error"}`},
		{"malformed", 502, "application/json", `{"Message":"Internal Server Error"}`},
	} {
		resp, body := fetch(t, web, newRequest(t, "GET", url+tt.path, ""))
		if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != tt.ct || body != tt.body {
			t.Errorf("%s: %d %s %q, want %d %s %q", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), body, tt.status, tt.ct, tt.body)
		}
	}
	// A function that times out: its timeout lowered to 2 s only now, so
	// that none of the calls above timed out on a loaded machine.
	if _, err := n.client.UpdateFunctionConfiguration(context.Background(), &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("web"), Timeout: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	n.waitUpdated(t, "web")
	resp, body = fetch(t, web, newRequest(t, "GET", url+"sleep?ms=3000", ""))
	if resp.StatusCode != 504 || resp.Header.Get("Content-Type") != "application/json" || body != `{"Message":"Endpoint request timed out"}` {
		t.Errorf("sleep?ms=3000: %d %s %q, want 504", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	// A preflight is answered without the function.
	req = newRequest(t, "OPTIONS", url+"items", "")
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, _ = fetch(t, web, req)
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Methods") != "GET,POST" || resp.Header.Get("Access-Control-Max-Age") != "300" {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	// An unknown URL.
	resp, body = fetch(t, web, newRequest(t, "GET", strings.Replace(url, id, strings.Repeat("z", 32), 1), ""))
	if resp.StatusCode != 404 || body != `{"Message":"Not Found"}` {
		t.Errorf("unknown URL: %d %s", resp.StatusCode, body)
	}
}

func TestFunctionURLIAM(t *testing.T) {
	n := sharedNubo(t)
	n.createHTTPFunction(t, "private")
	url := n.urlOf(t, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("private"), AuthType: types.FunctionUrlAuthTypeAwsIam})
	resp, body := fetch(t, n.web(), newRequest(t, "GET", url, ""))
	if resp.StatusCode != 403 || body != `{"Message":"Forbidden"}` || resp.Header.Get("X-Amzn-Errortype") != "AccessDeniedException" {
		t.Errorf("unsigned: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	// A caller must be allowed lambda:InvokeFunctionUrl on the function.
	id, secret := n.user(t, "url-caller", allow("lambda:InvokeFunctionUrl", n.arn("private")))
	other, otherSecret := n.user(t, "url-stranger", allow("lambda:InvokeFunction", n.arn("private")))
	sign := func(id, secret string) *http.Request {
		req := newRequest(t, "GET", url+"me", "")
		sum := sha256.Sum256(nil)
		creds := aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "lambda", n.region, time.Now()); err != nil {
			t.Fatal(err)
		}
		return req
	}
	resp, body = fetch(t, n.web(), sign(id, secret))
	if resp.StatusCode != 200 || decodeURLEvent(t, body).RequestContext.Authorizer.IAM["accessKey"] != id {
		t.Errorf("signed: %d %s", resp.StatusCode, body)
	}
	if resp, body := fetch(t, n.web(), sign(other, otherSecret)); resp.StatusCode != 403 {
		t.Errorf("signed by a caller not allowed InvokeFunctionUrl: %d %s", resp.StatusCode, body)
	}
}

// fifo makes a named pipe a streaming test function waits on.
func fifo(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "go-on")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	return path
}

// release lets a waiting streaming function finish.
func release(t *testing.T, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, "release\n")
	f.Close()
}

// A RESPONSE_STREAM URL relays the function's stream: the first line
// reaches the client while the function waits for the test to release it.
func TestFunctionURLStreaming(t *testing.T) {
	n := sharedNubo(t)
	n.createHTTPFunction(t, "streamer")
	url := n.urlOf(t, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("streamer"), AuthType: types.FunctionUrlAuthTypeNone,
		InvokeMode: types.InvokeModeResponseStream})
	path := fifo(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req := newRequest(t, "GET", url+"stream?fifo="+path, "").WithContext(ctx)
	resp, err := n.web().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 202 || resp.Header.Get("Content-Type") != "text/plain" || resp.Header.Get("Set-Cookie") != "streamed=yes" {
		t.Errorf("streamed head: %d %v", resp.StatusCode, resp.Header)
	}
	r := bufio.NewReader(resp.Body)
	first, err := r.ReadString('\n')
	if err != nil || first != "first\n" {
		t.Fatalf("first line %q: %v", first, err)
	}
	release(t, path) // only now can the function finish
	rest, _ := io.ReadAll(r)
	if string(rest) != "second after release\n" {
		t.Errorf("rest %q", rest)
	}
	// A response the function does not stream is sent as it is.
	resp2, body := fetch(t, n.web(), newRequest(t, "GET", url+"raw", ""))
	if resp2.StatusCode != 200 || body != `{"hello":"world"}` {
		t.Errorf("unstreamed: %d %s", resp2.StatusCode, body)
	}
}

// InvokeWithResponseStream delivers PayloadChunk events as the function
// streams, then InvokeComplete; aws-sdk-go-v2 decodes them.
func TestInvokeWithResponseStream(t *testing.T) {
	n := sharedNubo(t)
	n.createHTTPFunction(t, "sdkstream")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	path := fifo(t)
	payload, _ := json.Marshal(map[string]any{"rawPath": "/stream", "queryStringParameters": map[string]string{"fifo": path}})
	out, err := n.client.InvokeWithResponseStream(ctx, &lambda.InvokeWithResponseStreamInput{FunctionName: aws.String("sdkstream"), Payload: payload,
		LogType: types.LogTypeTail})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.ExecutedVersion) != "$LATEST" || out.StatusCode != 200 {
		t.Errorf("output %+v", out)
	}
	stream := out.GetStream()
	defer stream.Close()
	var got strings.Builder
	released := false
	var complete *types.InvokeWithResponseStreamCompleteEvent
	for ev := range stream.Events() {
		switch v := ev.(type) {
		case *types.InvokeWithResponseStreamResponseEventMemberPayloadChunk:
			got.Write(v.Value.Payload)
			if !released && strings.Contains(got.String(), "first\n") {
				release(t, path)
				released = true
			}
		case *types.InvokeWithResponseStreamResponseEventMemberInvokeComplete:
			complete = &v.Value
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if !released || !strings.HasSuffix(got.String(), "first\nsecond after release\n") || !strings.Contains(got.String(), `"statusCode":202`) {
		t.Errorf("chunks %q", got.String())
	}
	if complete == nil || complete.ErrorCode != nil || aws.ToString(complete.LogResult) == "" {
		t.Errorf("complete %+v", complete)
	}
	// A function error ends the stream with its error code.
	payload, _ = json.Marshal(map[string]any{"rawPath": "/error"})
	out, err = n.client.InvokeWithResponseStream(ctx, &lambda.InvokeWithResponseStreamInput{FunctionName: aws.String("sdkstream"), Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	complete = nil
	for ev := range out.GetStream().Events() {
		if v, ok := ev.(*types.InvokeWithResponseStreamResponseEventMemberInvokeComplete); ok {
			complete = &v.Value
		}
	}
	if complete == nil || aws.ToString(complete.ErrorCode) != "errorString" || aws.ToString(complete.ErrorDetails) != "the function failed" {
		t.Errorf("error complete %+v", complete)
	}
}
