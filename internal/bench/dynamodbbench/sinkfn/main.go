// Command sinkfn is the function of nubo bench-dynamodb's stream latency
// scenario: it posts every event it gets to $SINK.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

func handle(ctx context.Context, raw json.RawMessage) error {
	resp, err := http.Post(os.Getenv("SINK"), "application/json", bytes.NewReader(raw))
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func main() { lambda.Start(handle) }
