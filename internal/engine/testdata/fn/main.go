// Command fn is a test function built with aws-lambda-go: its event says
// what to do.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Op    string   `json:"op"`
	Ms    int      `json:"ms"`
	Lines []string `json:"lines"`
	Bytes int      `json:"bytes"`
	Value string   `json:"value"`
	N     int      `json:"n"`
}

type result struct {
	Value     string            `json:"value"`
	RequestID string            `json:"requestId"`
	ARN       string            `json:"arn"`
	Env       map[string]string `json:"env,omitempty"`
	Remaining int64             `json:"remainingMs"`
	Big       string            `json:"big,omitempty"`
	Client    string            `json:"client,omitempty"`
	PID       int               `json:"pid"`
}

var invocations int

func handle(ctx context.Context, raw json.RawMessage) (*result, error) {
	invocations++
	if os.Getenv("PRINT_EVENT") != "" {
		fmt.Printf("EVENT %s\n", raw)
	}
	var ev event
	json.Unmarshal(raw, &ev)
	if err := recordStream(raw); err != nil {
		return nil, err
	}
	lc, _ := lambdacontext.FromContext(ctx)
	deadline, _ := ctx.Deadline()
	r := &result{Value: ev.Value, RequestID: lc.AwsRequestID, ARN: lc.InvokedFunctionArn,
		Remaining: time.Until(deadline).Milliseconds(), PID: os.Getpid()}
	if lc.ClientContext.Custom != nil {
		r.Client = lc.ClientContext.Custom["k"]
	}
	switch ev.Op {
	case "sleep":
		time.Sleep(time.Duration(ev.Ms) * time.Millisecond)
	case "print":
		for _, l := range ev.Lines {
			fmt.Println(l)
		}
	case "error":
		return nil, errors.New("boom: " + ev.Value)
	case "crash":
		fmt.Println("crashing")
		os.Exit(3)
	case "big":
		r.Big = strings.Repeat("x", ev.Bytes)
	case "env":
		r.Env = map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			r.Env[k] = v
		}
	case "count":
		r.Value = fmt.Sprint(invocations)
	case "failfirst": // fail the first N invocations of this process
		if invocations <= ev.N {
			return nil, fmt.Errorf("attempt %d fails", invocations)
		}
	case "alloc": // allocate and touch N MB
		buf := make([]byte, ev.N<<20)
		for i := range buf {
			buf[i] = 1
		}
		r.Value = fmt.Sprint(len(buf))
	case "record": // after ms, append "value pid ppid" to the file $RECORD (O_APPEND: lines never interleave)
		time.Sleep(time.Duration(ev.Ms) * time.Millisecond)
		f, err := os.OpenFile(os.Getenv("RECORD"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if _, err := fmt.Fprintf(f, "%s %d %d\n", ev.Value, os.Getpid(), os.Getppid()); err != nil {
			return nil, err
		}
	case "report": // tell the test's collector that this event ran
		resp, err := http.Post(os.Getenv("COLLECTOR"), "text/plain", bytes.NewReader([]byte(ev.Value)))
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
	}
	return r, nil
}

// recordStream appends "stream-<sequence number> pid ppid" to $RECORD
// for each record of a DynamoDB stream event, in one write (the lines of
// concurrent invocations never interleave).
func recordStream(raw json.RawMessage) error {
	var batch struct {
		Records []struct {
			Dynamodb struct {
				SequenceNumber string `json:"SequenceNumber"`
			} `json:"dynamodb"`
		} `json:"Records"`
	}
	if json.Unmarshal(raw, &batch) != nil || len(batch.Records) == 0 || os.Getenv("RECORD") == "" {
		return nil
	}
	var lines bytes.Buffer
	for _, r := range batch.Records {
		fmt.Fprintf(&lines, "stream-%s %d %d\n", r.Dynamodb.SequenceNumber, os.Getpid(), os.Getppid())
	}
	f, err := os.OpenFile(os.Getenv("RECORD"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.Write(lines.Bytes())
	return err
}

func main() {
	if os.Getenv("FAIL_INIT") != "" {
		fmt.Println("init failing")
		os.Exit(2)
	}
	if d := os.Getenv("SLOW_INIT_MS"); d != "" {
		var ms int
		fmt.Sscan(d, &ms)
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
	lambda.StartWithOptions(handle, lambda.WithEnableSIGTERM(func() {
		fmt.Println("sigterm received")
		os.Exit(0) // at once, not at the shutdown grace's SIGKILL
	}))
}
