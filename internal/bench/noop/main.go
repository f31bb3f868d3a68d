// Command noop is the benchmark's function: an aws-lambda-go handler that
// returns at once.
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() {
	lambda.Start(func() (string, error) { return "ok", nil })
}
