// Command ddbfn is a test function for DynamoDB stream event source
// mappings: it posts every event it gets to $SINK; it fails the whole
// batch when a record's new image has mode "crash", reports the records
// whose mode is "fail" as batch item failures, and in a tumbling window
// counts the records it saw in its state.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Records []struct {
		Dynamodb struct {
			SequenceNumber string `json:"SequenceNumber"`
			NewImage       struct {
				Mode struct {
					S string `json:"S"`
				} `json:"mode"`
			} `json:"NewImage"`
		} `json:"dynamodb"`
	} `json:"Records"`
	Window *struct{} `json:"window"`
	State  struct {
		Count int `json:"count"`
	} `json:"state"`
}

func handle(ctx context.Context, raw json.RawMessage) (any, error) {
	if sink := os.Getenv("SINK"); sink != "" {
		resp, err := http.Post(sink, "application/json", bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
	}
	var ev event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, err
	}
	if ev.Window != nil {
		return map[string]any{"state": map[string]int{"count": ev.State.Count + len(ev.Records)}}, nil
	}
	var failures []map[string]string
	for _, r := range ev.Records {
		switch r.Dynamodb.NewImage.Mode.S {
		case "crash":
			return nil, errors.New("crashed on purpose")
		case "fail":
			failures = append(failures, map[string]string{"itemIdentifier": r.Dynamodb.SequenceNumber})
		}
	}
	return map[string]any{"batchItemFailures": failures}, nil
}

func main() { lambda.Start(handle) }
