// Command go is an example function for nubo's provided.al2023 runtime, built
// with aws-lambda-go: it greets whoever the event names.
//
//	CGO_ENABLED=0 go build -o examples/go/build/bootstrap ./examples/go
//	nubo deploy examples/go/build --name hello-go --runtime provided.al2023 --handler bootstrap
package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Name string `json:"name"`
}

type response struct {
	Message   string `json:"message"`
	RequestID string `json:"requestId"`
}

func handle(ctx context.Context, ev event) (response, error) {
	lc, _ := lambdacontext.FromContext(ctx)
	name := ev.Name
	if name == "" {
		name = "world"
	}
	fmt.Printf("greeting %s\n", name)
	return response{Message: "Hello, " + name + "!", RequestID: lc.AwsRequestID}, nil
}

func main() {
	lambda.Start(handle)
}
