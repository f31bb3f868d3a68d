package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/nubo-dev/nubo/internal/async"
	"github.com/nubo-dev/nubo/internal/lambda"
)

// targets delivers asynchronous invocation records and dead-letter
// messages to the service an ARN names.
type targets struct {
	queue *async.Queue
}

func (t *targets) Send(ctx context.Context, arn string, body []byte, attrs map[string]async.Attribute) error {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return fmt.Errorf("not an ARN: %q", arn)
	}
	switch parts[2] {
	case "lambda":
		ref, err := lambda.ParseFunctionRef(arn, 256)
		if err != nil {
			return err
		}
		return t.queue.InvokeAsync(ctx, lambda.Scope{Account: parts[4], Region: parts[3]}, ref, body)
	}
	return fmt.Errorf("nubo cannot deliver to %s yet", arn)
}
