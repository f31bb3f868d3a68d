// Package cloudwatchlogs serves the CloudWatch Logs API (AWS JSON 1.1,
// X-Amz-Target "Logs_20140328.<Op>", SigV4 signing name "logs") over the
// log groups and streams of package logs: the groups of functions, which
// exist from their first line, and those that clients create. It is what
// `aws logs tail --follow`, `aws logs filter-log-events` and the SDKs'
// CloudWatch Logs clients talk to.
package logsapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/logs"
	"github.com/nubo-dev/nubo/internal/wire"
)

// TargetPrefix begins the X-Amz-Target of every request.
const TargetPrefix = "Logs_20140328."

const contentType = "application/x-amz-json-1.1"

// maxBody bounds a request: PutLogEvents' 1 MiB batch, JSON-escaped.
const maxBody = 8 << 20

// Logs is what the API needs of the log store.
type Logs interface {
	CreateGroup(ctx context.Context, name string) error
	CreateStream(ctx context.Context, group, name string) error
	DeleteGroup(ctx context.Context, name string) error
	DeleteStream(ctx context.Context, group, name string) error
	SetRetention(ctx context.Context, group string, days int) error
	Group(name string) (logs.GroupInfo, error)
	Groups(prefix string) []logs.GroupInfo
	Streams(group string) ([]logs.StreamInfo, error)
	Put(ctx context.Context, group, stream string, events []lambda.LogEvent) error
	Scan(ctx context.Context, q logs.Query, fn func(logs.StoredEvent) bool) error
	PutResourcePolicy(ctx context.Context, name, document string) (logs.ResourcePolicy, error)
	DeleteResourcePolicy(ctx context.Context, name string) error
	ResourcePolicies() []logs.ResourcePolicy
	Policy() (*policy.Document, error)
}

// Service is the CloudWatch Logs API.
type Service struct {
	logs    Logs
	account string
}

// New returns the API over store for account, for the wire layer.
func New(store Logs, account string, log *slog.Logger) *wire.Service {
	s := &Service{logs: store, account: account}
	return &wire.Service{
		Name: "logs",
		JSON: &wire.JSONProtocol{Target: "Logs_20140328", Version: "1.1"},
		Errors: wire.Errors{
			Internal:  errServiceUnavailable,
			Translate: errorOf,
			MaxBody:   maxBody,
			TooLarge:  awserr.New(errInvalidParameter, "The request is too large."),
		},
		Log:            log,
		Home:           account,
		ResourcePolicy: s.policy,
		Ops: []wire.Op{
			wire.NoOutput("CreateLogGroup", s.createLogGroup),
			wire.NoOutput("DeleteLogGroup", s.deleteLogGroup),
			wire.Operation("DescribeLogGroups", s.describeLogGroups).AnyResource(),
			wire.NoOutput("PutRetentionPolicy", s.putRetentionPolicy),
			wire.NoOutput("DeleteRetentionPolicy", s.deleteRetentionPolicy),
			wire.NoOutput("CreateLogStream", s.createLogStream),
			wire.NoOutput("DeleteLogStream", s.deleteLogStream),
			wire.Operation("DescribeLogStreams", s.describeLogStreams),
			wire.Operation("PutLogEvents", s.putLogEvents),
			wire.Operation("GetLogEvents", s.getLogEvents),
			wire.Operation("FilterLogEvents", s.filterLogEvents),
			wire.Operation("PutResourcePolicy", s.putResourcePolicy).AnyResource(),
			wire.Operation("DescribeResourcePolicies", s.describeResourcePolicies).AnyResource(),
			wire.NoOutput("DeleteResourcePolicy", s.deleteResourcePolicy).AnyResource(),
		},
	}
}

var (
	errInvalidParameter      = &awserr.Code{Name: "InvalidParameterException", Status: http.StatusBadRequest}
	errResourceNotFound      = &awserr.Code{Name: "ResourceNotFoundException", Status: http.StatusBadRequest}
	errResourceAlreadyExists = &awserr.Code{Name: "ResourceAlreadyExistsException", Status: http.StatusBadRequest}
	errServiceUnavailable    = &awserr.Code{Name: "ServiceUnavailableException", Status: http.StatusInternalServerError}
)

// errorOf maps the log store's errors to AWS errors.
func errorOf(err error) error {
	for _, m := range []struct {
		err  error
		code *awserr.Code
		msg  string
	}{
		{logs.ErrGroupNotFound, errResourceNotFound, "The specified log group does not exist."},
		{logs.ErrStreamNotFound, errResourceNotFound, "The specified log stream does not exist."},
		{logs.ErrGroupExists, errResourceAlreadyExists, "The specified log group already exists"},
		{logs.ErrStreamExists, errResourceAlreadyExists, "The specified log stream already exists"},
	} {
		if errors.Is(err, m.err) {
			return awserr.New(m.code, "%s", m.msg)
		}
	}
	return err
}

func invalid(format string, args ...any) error {
	return awserr.New(errInvalidParameter, format, args...)
}

// groupName resolves a logGroupName or logGroupIdentifier (a name or an
// ARN) and checks it.
func groupName(name, identifier string) (string, error) {
	switch {
	case name != "" && identifier != "":
		return "", invalid("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
	case identifier != "":
		name = identifier
		if rest, ok := strings.CutPrefix(identifier, "arn:"); ok {
			_, after, found := strings.Cut(rest, ":log-group:")
			if !found {
				return "", invalid("Invalid logGroupIdentifier: %s", identifier)
			}
			name = strings.TrimSuffix(after, ":*")
		}
	case name == "":
		return "", invalid("1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null")
	}
	if !logs.ValidGroupName(name) {
		return "", invalid("1 validation error detected: Value '%s' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+", name)
	}
	return name, nil
}

func streamName(name string) (string, error) {
	switch {
	case name == "":
		return "", invalid("1 validation error detected: Value null at 'logStreamName' failed to satisfy constraint: Member must not be null")
	case !logs.ValidStreamName(name):
		return "", invalid("1 validation error detected: Value '%s' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*", name)
	}
	return name, nil
}

// groupARN is a log group's ARN as DescribeLogGroups shows it in "arn".
func (s *Service) groupARN(ctx context.Context, name string) string {
	return "arn:aws:logs:" + wire.Region(ctx) + ":" + s.account + ":log-group:" + name
}
