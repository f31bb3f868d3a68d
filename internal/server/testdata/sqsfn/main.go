// Command sqsfn is a test function for SQS event source mappings and SNS
// subscriptions: it posts every event it gets to $SINK, fails the records
// whose body starts with "fail" (as partial batch failures), and fails the
// whole invocation for a body "crash".
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(ctx context.Context, raw json.RawMessage) (any, error) {
	if sink := os.Getenv("SINK"); sink != "" {
		resp, err := http.Post(sink, "application/json", bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, err
	}
	var out events.SQSEventResponse
	for _, r := range ev.Records {
		switch {
		case r.Body == "crash":
			return nil, errors.New("crashed on purpose")
		case strings.HasPrefix(r.Body, "fail"):
			out.BatchItemFailures = append(out.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		}
	}
	return out, nil
}

func main() { lambda.Start(handle) }
