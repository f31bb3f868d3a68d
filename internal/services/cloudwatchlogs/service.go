// Package cloudwatchlogs serves the CloudWatch Logs API (AWS JSON 1.1,
// X-Amz-Target "Logs_20140328.<Op>", SigV4 signing name "logs") over the
// log groups and streams of internal/logs: the groups of functions, which
// exist from their first line, and those that clients create. It is what
// `aws logs tail --follow`, `aws logs filter-log-events` and the SDKs'
// CloudWatch Logs clients talk to.
package cloudwatchlogs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/nubo-dev/nubo/internal/api"
	"github.com/nubo-dev/nubo/internal/lambda"
	"github.com/nubo-dev/nubo/internal/logs"
	"github.com/nubo-dev/nubo/internal/store"
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
}

// Service is the CloudWatch Logs API.
type Service struct {
	logs    Logs
	account string
	log     *slog.Logger
	ops     map[string]func(context.Context, []byte) (any, error)
}

// New returns the API over store for account.
func New(store Logs, account string, log *slog.Logger) *Service {
	s := &Service{logs: store, account: account, log: log}
	s.ops = map[string]func(context.Context, []byte) (any, error){
		"CreateLogGroup":        s.createLogGroup,
		"DeleteLogGroup":        s.deleteLogGroup,
		"DescribeLogGroups":     s.describeLogGroups,
		"PutRetentionPolicy":    s.putRetentionPolicy,
		"DeleteRetentionPolicy": s.deleteRetentionPolicy,
		"CreateLogStream":       s.createLogStream,
		"DeleteLogStream":       s.deleteLogStream,
		"DescribeLogStreams":    s.describeLogStreams,
		"PutLogEvents":          s.putLogEvents,
		"GetLogEvents":          s.getLogEvents,
		"FilterLogEvents":       s.filterLogEvents,
	}
	return s
}

func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
	handler := s.ops[op]
	switch {
	case r.Method != http.MethodPost || !ok:
		s.fail(w, r, &api.Error{Status: http.StatusBadRequest, Code: "UnknownOperationException",
			Message: "CloudWatch Logs requests are POSTs with an X-Amz-Target of " + TargetPrefix + "<Operation>."})
		return
	case handler == nil:
		s.fail(w, r, &api.Error{Status: http.StatusBadRequest, Code: "UnknownOperationException",
			Message: fmt.Sprintf("nubo does not implement the CloudWatch Logs operation %s.", op)})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		s.fail(w, r, &api.Error{Status: http.StatusBadRequest, Code: "SerializationException", Message: "Could not read the request body."})
		return
	}
	if len(body) > maxBody {
		s.fail(w, r, &api.Error{Status: http.StatusRequestEntityTooLarge, Code: "InvalidParameterException", Message: "The request is too large."})
		return
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	out, err := handler(r.Context(), body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", contentType)
	if out == nil {
		out = struct{}{}
	}
	json.NewEncoder(w).Encode(out)
}

// fail renders err as CloudWatch Logs does.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, err error) {
	var e *api.Error
	if !errors.As(err, &e) {
		e = errorOf(err)
	}
	if e.Status >= 500 {
		s.log.Error("cloudwatch logs request failed", "target", r.Header.Get("X-Amz-Target"), "err", err)
	}
	api.WriteJSON(w, e, contentType)
}

// errorOf maps the log store's errors to AWS errors.
func errorOf(err error) *api.Error {
	for _, m := range []struct {
		err  error
		code string
		msg  string
	}{
		{logs.ErrGroupNotFound, "ResourceNotFoundException", "The specified log group does not exist."},
		{logs.ErrStreamNotFound, "ResourceNotFoundException", "The specified log stream does not exist."},
		{logs.ErrGroupExists, "ResourceAlreadyExistsException", "The specified log group already exists"},
		{logs.ErrStreamExists, "ResourceAlreadyExistsException", "The specified log stream already exists"},
	} {
		if errors.Is(err, m.err) {
			return &api.Error{Status: http.StatusBadRequest, Code: m.code, Message: m.msg}
		}
	}
	status := http.StatusInternalServerError
	if errors.Is(err, store.ErrUnavailable) {
		status = http.StatusServiceUnavailable
	}
	return &api.Error{Status: status, Code: "ServiceUnavailableException", Message: err.Error()}
}

func invalid(format string, args ...any) error {
	return &api.Error{Status: http.StatusBadRequest, Code: "InvalidParameterException", Message: fmt.Sprintf(format, args...)}
}

// decode reads a request into v.
func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return &api.Error{Status: http.StatusBadRequest, Code: "SerializationException", Message: "Could not parse the request: " + err.Error()}
	}
	return nil
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
	return "arn:aws:logs:" + api.Region(ctx) + ":" + s.account + ":log-group:" + name
}
