package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/nubo-dev/nubo/internal/server"
)

// fastRetries makes a function error's retries come after 100 and 200 ms.
func fastRetries(c *server.Config) {
	c.AsyncRetryDelays = []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}
}

// destRecord is an asynchronous invocation record as a destination gets it.
type destRecord struct {
	Version        string `json:"version"`
	Timestamp      string `json:"timestamp"`
	RequestContext struct {
		RequestID              string `json:"requestId"`
		FunctionArn            string `json:"functionArn"`
		Condition              string `json:"condition"`
		ApproximateInvokeCount int    `json:"approximateInvokeCount"`
	} `json:"requestContext"`
	RequestPayload  json.RawMessage `json:"requestPayload"`
	ResponseContext *struct {
		StatusCode      int    `json:"statusCode"`
		ExecutedVersion string `json:"executedVersion"`
		FunctionError   string `json:"functionError"`
	} `json:"responseContext"`
	ResponsePayload json.RawMessage `json:"responsePayload"`
}

// logLines reads a log group through nubo's log endpoint.
func (n *nubo) logLines(t *testing.T, group string) []string {
	t.Helper()
	resp := n.do(t, "GET", "/_nubo/logs?"+url.Values{"group": {group}}.Encode(), signedFor("nubo"), nil)
	if resp.status != http.StatusOK {
		t.Fatalf("/_nubo/logs: %d %s", resp.status, resp.body)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(resp.body)), "\n") {
		if _, rest, ok := strings.Cut(l, "\t"); ok {
			_, msg, _ := strings.Cut(rest, "\t")
			lines = append(lines, msg)
		}
	}
	return lines
}

// events waits until the function printed want events (PRINT_EVENT) and
// returns them.
func (n *nubo) events(t *testing.T, function string, want int) []string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var got []string
		for _, l := range n.logLines(t, "/aws/lambda/"+function) {
			if ev, ok := strings.CutPrefix(l, "EVENT "); ok {
				got = append(got, ev)
			}
		}
		if len(got) >= want {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s received %d events, want %d", function, len(got), want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (n *nubo) invokeAsync(t *testing.T, function, payload string) {
	t.Helper()
	out, err := n.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String(function),
		InvocationType: types.InvocationTypeEvent, Payload: []byte(payload)})
	if err != nil {
		t.Fatalf("async invoke %s: %v", function, err)
	}
	if out.StatusCode != 202 {
		t.Fatalf("async invoke status %d", out.StatusCode)
	}
}

// createShell creates a function from testdata/shellfn, a custom runtime
// in shell that is quick to create (see its header for what it does).
func (n *nubo) createShell(t *testing.T, name string, tweak func(*lambda.CreateFunctionInput)) {
	t.Helper()
	script, err := os.ReadFile("testdata/shellfn/bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	in := createInput(t, name)
	in.Code.ZipFile = makeZip(t, "bootstrap", string(script))
	if tweak != nil {
		tweak(in)
	}
	n.create(t, in)
}

// createRecorder creates a function that prints every event it gets.
func (n *nubo) createRecorder(t *testing.T, name string) {
	n.createShell(t, name, func(in *lambda.CreateFunctionInput) {
		in.Environment = &types.Environment{Variables: map[string]string{"PRINT_EVENT": "1"}}
	})
}

func (n *nubo) putEventInvokeConfig(t *testing.T, in *lambda.PutFunctionEventInvokeConfigInput) {
	t.Helper()
	if _, err := n.client.PutFunctionEventInvokeConfig(context.Background(), in); err != nil {
		t.Fatalf("PutFunctionEventInvokeConfig: %v", err)
	}
}

// metric reads a function's sample of a metric from /metrics.
func (n *nubo) metric(t *testing.T, name, function string) string {
	t.Helper()
	resp, err := http.Get("http://" + n.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	prefix := name + `{region="` + region + `",function="` + function + `",qualifier=""} `
	for _, l := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(l, prefix); ok {
			return v
		}
	}
	return ""
}

func decodeRecord(t *testing.T, s string) destRecord {
	t.Helper()
	var r destRecord
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("decode record %s: %v", s, err)
	}
	return r
}

func TestAsyncSuccessDestination(t *testing.T) {
	n := startNuboWith(t, "", fastRetries)
	n.createShell(t, "worker", nil)
	n.createRecorder(t, "on-success")
	// An event run before the function has settings: their absence is
	// cached, and putting them must end that.
	n.invokeAsync(t, "worker", `{"value":"before-settings"}`)
	for deadline := time.Now().Add(30 * time.Second); n.metric(t, "nubo_lambda_invocations_total", "worker") != "1"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first event never ran")
		}
	}
	n.putEventInvokeConfig(t, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("worker"),
		DestinationConfig: &types.DestinationConfig{OnSuccess: &types.OnSuccess{Destination: aws.String(fnARN("on-success"))}}})
	out, err := n.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("worker"),
		InvocationType: types.InvocationTypeEvent, Payload: []byte(`{"value":"async-1"}`)})
	if err != nil || out.StatusCode != 202 {
		t.Fatalf("invoke: %v %+v", err, out)
	}
	rec := decodeRecord(t, n.events(t, "on-success", 1)[0])
	if rec.Version != "1.0" || rec.RequestContext.Condition != "Success" || rec.RequestContext.ApproximateInvokeCount != 1 ||
		rec.RequestContext.FunctionArn != fnARN("worker")+":$LATEST" || string(rec.RequestPayload) != `{"value":"async-1"}` {
		t.Fatalf("record %+v", rec)
	}
	if rec.ResponseContext == nil || rec.ResponseContext.StatusCode != 200 || rec.ResponseContext.ExecutedVersion != "$LATEST" || rec.ResponseContext.FunctionError != "" {
		t.Fatalf("response context %+v", rec.ResponseContext)
	}
	var resp fnResult
	if err := json.Unmarshal(rec.ResponsePayload, &resp); err != nil || resp.Value != "async-1" || resp.RequestID != rec.RequestContext.RequestID {
		t.Fatalf("response payload %s", rec.ResponsePayload)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000Z", rec.Timestamp); err != nil {
		t.Fatalf("timestamp %q: %v", rec.Timestamp, err)
	}
}

func TestAsyncRetriesThenFailureDestination(t *testing.T) {
	n := startNuboWith(t, "", fastRetries)
	n.createShell(t, "fails", nil)
	n.createRecorder(t, "on-failure")
	n.createShell(t, "no-retries", nil)
	dest := &types.DestinationConfig{OnFailure: &types.OnFailure{Destination: aws.String(fnARN("on-failure"))}}
	n.putEventInvokeConfig(t, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("fails"), DestinationConfig: dest})
	n.putEventInvokeConfig(t, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("no-retries"),
		MaximumRetryAttempts: aws.Int32(0), DestinationConfig: dest})

	start := time.Now()
	n.invokeAsync(t, "fails", `{"op":"error","value":"always"}`)
	rec := decodeRecord(t, n.events(t, "on-failure", 1)[0])
	if rec.RequestContext.Condition != "RetriesExhausted" || rec.RequestContext.ApproximateInvokeCount != 3 {
		t.Fatalf("record %+v", rec.RequestContext)
	}
	if elapsed := time.Since(start); elapsed < 300*time.Millisecond {
		t.Fatalf("three attempts took %v, less than the retry delays", elapsed)
	}
	if rec.ResponseContext == nil || rec.ResponseContext.FunctionError != "Unhandled" ||
		string(rec.ResponsePayload) != `{"errorMessage":"boom: always","errorType":"errorString"}` {
		t.Fatalf("failure record %+v %s", rec.ResponseContext, rec.ResponsePayload)
	}

	for metric, want := range map[string]string{
		"nubo_lambda_async_events_received_total":   "1",
		"nubo_lambda_async_events_dropped_total":    "1",
		"nubo_lambda_async_event_age_seconds_count": "3",
		"nubo_lambda_invocations_total":             "3",
		"nubo_lambda_errors_total":                  "3",
	} {
		if got := n.metric(t, metric, "fails"); got != want {
			t.Errorf("%s of fails = %q, want %s", metric, got, want)
		}
	}

	n.invokeAsync(t, "no-retries", `{"op":"error","value":"once"}`)
	for _, ev := range n.events(t, "on-failure", 2) {
		if rec = decodeRecord(t, ev); rec.RequestContext.FunctionArn == fnARN("no-retries")+":$LATEST" {
			break
		}
	}
	if rec.RequestContext.Condition != "RetriesExhausted" || rec.RequestContext.ApproximateInvokeCount != 1 ||
		rec.RequestContext.FunctionArn != fnARN("no-retries")+":$LATEST" {
		t.Fatalf("zero-retry record %+v", rec.RequestContext)
	}
}

func TestAsyncFailsTwiceThenSucceeds(t *testing.T) {
	n := startNuboWith(t, "", fastRetries)
	n.createShell(t, "flaky", nil)
	n.createRecorder(t, "flaky-ok")
	n.putEventInvokeConfig(t, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("flaky"),
		DestinationConfig: &types.DestinationConfig{OnSuccess: &types.OnSuccess{Destination: aws.String(fnARN("flaky-ok"))}}})
	n.invokeAsync(t, "flaky", `{"op":"failfirst","n":2,"value":"third time"}`)
	rec := decodeRecord(t, n.events(t, "flaky-ok", 1)[0])
	if rec.RequestContext.Condition != "Success" || rec.RequestContext.ApproximateInvokeCount != 3 {
		t.Fatalf("record %+v", rec.RequestContext)
	}
}

func TestAsyncZeroReservedConcurrency(t *testing.T) {
	n := startNuboWith(t, "", fastRetries)
	n.createShell(t, "blocked", nil)
	n.createRecorder(t, "blocked-dest")
	if _, err := n.client.PutFunctionConcurrency(context.Background(), &lambda.PutFunctionConcurrencyInput{
		FunctionName: aws.String("blocked"), ReservedConcurrentExecutions: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	n.putEventInvokeConfig(t, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("blocked"),
		DestinationConfig: &types.DestinationConfig{OnFailure: &types.OnFailure{Destination: aws.String(fnARN("blocked-dest"))}}})
	n.invokeAsync(t, "blocked", `{"value":"never runs"}`)
	rec := decodeRecord(t, n.events(t, "blocked-dest", 1)[0])
	if rec.RequestContext.Condition != "ZeroReservedConcurrency" || rec.RequestContext.ApproximateInvokeCount != 0 || rec.ResponseContext != nil {
		t.Fatalf("record %+v", rec)
	}
}

// TestAsyncEventAgeExceeded waits out the smallest maximum age AWS allows
// (60 s): the failed event's retry is due after it.
func TestAsyncEventAgeExceeded(t *testing.T) {
	t.Parallel()
	n := startNuboWith(t, "", func(c *server.Config) { c.AsyncRetryDelays = []time.Duration{61 * time.Second} })
	n.createShell(t, "old", nil)
	n.createRecorder(t, "old-dest")
	n.putEventInvokeConfig(t, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("old"), MaximumEventAgeInSeconds: aws.Int32(60),
		DestinationConfig: &types.DestinationConfig{OnFailure: &types.OnFailure{Destination: aws.String(fnARN("old-dest"))}}})
	n.invokeAsync(t, "old", `{"op":"error"}`)
	deadline := time.Now().Add(90 * time.Second)
	for len(n.logLines(t, "/aws/lambda/old-dest")) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Second)
	}
	rec := decodeRecord(t, n.events(t, "old-dest", 1)[0])
	if rec.RequestContext.Condition != "EventAgeExceeded" || rec.RequestContext.ApproximateInvokeCount != 1 {
		t.Fatalf("record %+v", rec.RequestContext)
	}
}

func TestEventInvokeConfigAPI(t *testing.T) {
	n := startNuboWith(t, "", nil)
	ctx := context.Background()
	n.createNamed(t, "eic")
	n.createNamed(t, "other")
	_, err := n.client.PutFunctionEventInvokeConfig(ctx, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("eic")})
	checkError(t, err, invalidParam("You must specify at least one of error handling or destination setting."))
	_, err = n.client.PutFunctionEventInvokeConfig(ctx, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("eic"), MaximumRetryAttempts: aws.Int32(3)})
	checkError(t, err, validation("1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2"))
	_, err = n.client.PutFunctionEventInvokeConfig(ctx, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("eic"), MaximumEventAgeInSeconds: aws.Int32(59)})
	checkError(t, err, validation("1 validation error detected: Value '59' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60"))
	_, err = n.client.PutFunctionEventInvokeConfig(ctx, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("eic"),
		DestinationConfig: &types.DestinationConfig{OnSuccess: &types.OnSuccess{Destination: aws.String(fnARN("eic"))}}})
	checkError(t, err, invalidParam("The provided destination config DestinationConfig(onSuccess=OnSuccess(destination="+fnARN("eic")+"), onFailure=null) is invalid."))
	_, err = n.client.GetFunctionEventInvokeConfig(ctx, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("eic")})
	checkError(t, err, notFound("The function "+fnARN("eic")+":$LATEST doesn't have an EventInvokeConfig"))

	put, err := n.client.PutFunctionEventInvokeConfig(ctx, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("eic"),
		MaximumRetryAttempts: aws.Int32(1), DestinationConfig: &types.DestinationConfig{OnFailure: &types.OnFailure{Destination: aws.String(fnARN("other"))}}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(put.FunctionArn) != fnARN("eic")+":$LATEST" || aws.ToInt32(put.MaximumRetryAttempts) != 1 || put.MaximumEventAgeInSeconds != nil ||
		aws.ToString(put.DestinationConfig.OnFailure.Destination) != fnARN("other") || put.LastModified == nil {
		t.Fatalf("put %+v", put)
	}
	upd, err := n.client.UpdateFunctionEventInvokeConfig(ctx, &lambda.UpdateFunctionEventInvokeConfigInput{FunctionName: aws.String("eic"), MaximumEventAgeInSeconds: aws.Int32(300)})
	if err != nil || aws.ToInt32(upd.MaximumRetryAttempts) != 1 || aws.ToInt32(upd.MaximumEventAgeInSeconds) != 300 ||
		aws.ToString(upd.DestinationConfig.OnFailure.Destination) != fnARN("other") {
		t.Fatalf("update merged %+v %v", upd, err)
	}
	list, err := n.client.ListFunctionEventInvokeConfigs(ctx, &lambda.ListFunctionEventInvokeConfigsInput{FunctionName: aws.String("eic")})
	if err != nil || len(list.FunctionEventInvokeConfigs) != 1 {
		t.Fatalf("list %+v %v", list, err)
	}
	if _, err := n.client.DeleteFunctionEventInvokeConfig(ctx, &lambda.DeleteFunctionEventInvokeConfigInput{FunctionName: aws.String("eic")}); err != nil {
		t.Fatal(err)
	}
	_, err = n.client.UpdateFunctionEventInvokeConfig(ctx, &lambda.UpdateFunctionEventInvokeConfigInput{FunctionName: aws.String("eic"), MaximumRetryAttempts: aws.Int32(0)})
	checkError(t, err, notFound("The function "+fnARN("eic")+":$LATEST doesn't have an EventInvokeConfig"))
}

func TestAsyncPayloadLimit(t *testing.T) {
	n := startNuboWith(t, "", nil)
	n.createNamed(t, "big-async")
	_, err := n.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("big-async"),
		InvocationType: types.InvocationTypeEvent, Payload: make([]byte, 1024*1024+1)})
	checkError(t, err, apiError{code: "RequestTooLargeException", status: 413,
		message: "Request must be smaller than 1048576 bytes for the InvokeFunction operation"})
	_, err = n.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("missing"), InvocationType: types.InvocationTypeEvent})
	checkError(t, err, notFound("Function not found: "+fnARN("missing")))
}
