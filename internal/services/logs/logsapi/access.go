package logsapi

import (
	"context"
	"strings"

	"github.com/nubo-dev/nubo/internal/wire"
)

// The resources of CloudWatch Logs' actions: a log group
// (arn:aws:logs:REGION:ACCOUNT:log-group:NAME) or one of its streams
// (...:log-group:NAME:log-stream:STREAM), of the caller's account unless an
// identifier ARN names another.

// groupResource is the ARN of the log group a name or identifier names.
func groupResource(ctx context.Context, name, identifier string) string {
	if strings.HasPrefix(identifier, "arn:") {
		return strings.TrimSuffix(identifier, ":*")
	}
	if name == "" {
		name = identifier
	}
	if name == "" {
		return ""
	}
	c := wire.CallOf(ctx)
	return "arn:aws:logs:" + c.Region + ":" + c.Account + ":log-group:" + name
}

// streamResource is the ARN of a log stream.
func streamResource(ctx context.Context, group, identifier, stream string) string {
	g := groupResource(ctx, group, identifier)
	if g == "" || stream == "" {
		return g
	}
	return g + ":log-stream:" + stream
}

func (in *groupRequest) Resource(ctx context.Context) string {
	return groupResource(ctx, in.LogGroupName, in.LogGroupIdentifier)
}

func (in *describeLogStreamsInput) Resource(ctx context.Context) string {
	return groupResource(ctx, in.LogGroupName, in.LogGroupIdentifier)
}

func (in *filterLogEventsInput) Resource(ctx context.Context) string {
	return groupResource(ctx, in.LogGroupName, in.LogGroupIdentifier)
}

func (in *putLogEventsInput) Resource(ctx context.Context) string {
	return streamResource(ctx, in.LogGroupName, "", in.LogStreamName)
}

func (in *getLogEventsInput) Resource(ctx context.Context) string {
	return streamResource(ctx, in.LogGroupName, in.LogGroupIdentifier, in.LogStreamName)
}
