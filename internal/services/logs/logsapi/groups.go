package logsapi

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"

	"github.com/nubo-dev/nubo/internal/services/logs"
	"github.com/nubo-dev/nubo/internal/wire"
)

type groupRequest struct {
	LogGroupName       string `json:"logGroupName"`
	LogGroupIdentifier string `json:"logGroupIdentifier"`
	LogStreamName      string `json:"logStreamName"`
	RetentionInDays    *int   `json:"retentionInDays"`
}

func (s *Service) createLogGroup(ctx context.Context, in *groupRequest) error {
	name, err := groupName(in.LogGroupName, "")
	if err != nil {
		return err
	}
	return s.logs.CreateGroup(ctx, name)
}

func (s *Service) deleteLogGroup(ctx context.Context, in *groupRequest) error {
	name, err := groupName(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return err
	}
	return s.logs.DeleteGroup(ctx, name)
}

func (s *Service) putRetentionPolicy(ctx context.Context, in *groupRequest) error {
	name, err := groupName(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return err
	}
	if in.RetentionInDays == nil {
		return invalid("1 validation error detected: Value null at 'retentionInDays' failed to satisfy constraint: Member must not be null")
	}
	if !logs.ValidRetention(*in.RetentionInDays) {
		return invalid("1 validation error detected: Value '%d' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: %s",
			*in.RetentionInDays, strings.Trim(strings.Join(strings.Fields(fmt.Sprint(logs.RetentionDays)), ", "), "[]"))
	}
	return s.logs.SetRetention(ctx, name, *in.RetentionInDays)
}

func (s *Service) deleteRetentionPolicy(ctx context.Context, in *groupRequest) error {
	name, err := groupName(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return err
	}
	return s.logs.SetRetention(ctx, name, 0)
}

func (s *Service) createLogStream(ctx context.Context, in *groupRequest) error {
	group, err := groupName(in.LogGroupName, "")
	if err != nil {
		return err
	}
	stream, err := streamName(in.LogStreamName)
	if err != nil {
		return err
	}
	return s.logs.CreateStream(ctx, group, stream)
}

func (s *Service) deleteLogStream(ctx context.Context, in *groupRequest) error {
	group, err := groupName(in.LogGroupName, "")
	if err != nil {
		return err
	}
	stream, err := streamName(in.LogStreamName)
	if err != nil {
		return err
	}
	return s.logs.DeleteStream(ctx, group, stream)
}

type logGroup struct {
	LogGroupName      string `json:"logGroupName"`
	CreationTime      int64  `json:"creationTime"`
	RetentionInDays   *int   `json:"retentionInDays,omitempty"`
	MetricFilterCount int    `json:"metricFilterCount"`
	ARN               string `json:"arn"`
	LogGroupARN       string `json:"logGroupArn"`
	StoredBytes       int64  `json:"storedBytes"`
	LogGroupClass     string `json:"logGroupClass"`
}

type describeLogGroupsInput struct {
	Prefix    string `json:"logGroupNamePrefix"`
	Pattern   string `json:"logGroupNamePattern"`
	NextToken string `json:"nextToken"`
	Limit     *int   `json:"limit"`
}

type describeLogGroupsOutput struct {
	LogGroups []logGroup `json:"logGroups"`
	NextToken string     `json:"nextToken,omitempty"`
}

func (s *Service) describeLogGroups(ctx context.Context, in *describeLogGroupsInput) (*describeLogGroupsOutput, error) {
	if in.Prefix != "" && in.Pattern != "" {
		return nil, invalid("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
	}
	limit, err := pageLimit(in.Limit, 50)
	if err != nil {
		return nil, err
	}
	var keys []string
	var groups []logGroup
	var all []logs.GroupInfo
	if wire.HomeAccount(ctx) == nil { // other accounts have no log groups
		all = s.logs.Groups(in.Prefix)
	}
	for _, g := range all {
		if in.Pattern != "" && !strings.Contains(strings.ToLower(g.Name), strings.ToLower(in.Pattern)) {
			continue
		}
		out := logGroup{LogGroupName: g.Name, CreationTime: g.Created, ARN: s.groupARN(ctx, g.Name) + ":*",
			LogGroupARN: s.groupARN(ctx, g.Name), StoredBytes: g.StoredBytes, LogGroupClass: "STANDARD"}
		if g.RetentionDays > 0 {
			out.RetentionInDays = &g.RetentionDays
		}
		keys, groups = append(keys, g.Name), append(groups, out)
	}
	from, next, err := page(keys, in.NextToken, limit)
	if err != nil {
		return nil, err
	}
	return &describeLogGroupsOutput{groups[from : from+min(limit, len(groups)-from)], next}, nil
}

type logStream struct {
	LogStreamName       string `json:"logStreamName"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp int64  `json:"firstEventTimestamp,omitempty"`
	LastEventTimestamp  int64  `json:"lastEventTimestamp,omitempty"`
	LastIngestionTime   int64  `json:"lastIngestionTime,omitempty"`
	ARN                 string `json:"arn"`
	StoredBytes         int64  `json:"storedBytes"`
}

type describeLogStreamsInput struct {
	LogGroupName       string `json:"logGroupName"`
	LogGroupIdentifier string `json:"logGroupIdentifier"`
	Prefix             string `json:"logStreamNamePrefix"`
	OrderBy            string `json:"orderBy"`
	Descending         bool   `json:"descending"`
	NextToken          string `json:"nextToken"`
	Limit              *int   `json:"limit"`
}

type describeLogStreamsOutput struct {
	LogStreams []logStream `json:"logStreams"`
	NextToken  string      `json:"nextToken,omitempty"`
}

func (s *Service) describeLogStreams(ctx context.Context, in *describeLogStreamsInput) (*describeLogStreamsOutput, error) {
	group, err := groupName(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	switch in.OrderBy {
	case "", "LogStreamName":
	case "LastEventTime":
		if in.Prefix != "" {
			return nil, invalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
		}
	default:
		return nil, invalid("1 validation error detected: Value '%s' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]", in.OrderBy)
	}
	limit, err := pageLimit(in.Limit, 50)
	if err != nil {
		return nil, err
	}
	all, err := s.logs.Streams(group)
	if err != nil {
		return nil, err
	}
	var streams []logs.StreamInfo
	for _, st := range all {
		if strings.HasPrefix(st.Name, in.Prefix) {
			streams = append(streams, st)
		}
	}
	key := func(st logs.StreamInfo) string { return st.Name }
	if in.OrderBy == "LastEventTime" {
		key = func(st logs.StreamInfo) string { return fmt.Sprintf("%020d/%s", st.LastEvent, st.Name) }
	}
	sort.Slice(streams, func(i, j int) bool { return key(streams[i]) < key(streams[j]) != in.Descending })
	keys := make([]string, len(streams))
	for i, st := range streams {
		keys[i] = key(st)
	}
	from, next, err := page(keys, in.NextToken, limit)
	if err != nil {
		return nil, err
	}
	out := []logStream{}
	for _, st := range streams[from : from+min(limit, len(streams)-from)] {
		out = append(out, logStream{LogStreamName: st.Name, CreationTime: st.Created, FirstEventTimestamp: st.FirstEvent,
			LastEventTimestamp: st.LastEvent, LastIngestionTime: st.LastIngestion, StoredBytes: st.StoredBytes,
			ARN: s.groupARN(ctx, group) + ":log-stream:" + st.Name})
	}
	return &describeLogStreamsOutput{out, next}, nil
}

func pageLimit(limit *int, max int) (int, error) {
	switch {
	case limit == nil:
		return max, nil
	case *limit < 1 || *limit > max:
		return 0, invalid("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and %d", *limit, max)
	}
	return *limit, nil
}

// page finds where a page starts in keys (listed in page order) after the
// key a token names, and the token of the page after it, if any.
func page(keys []string, token string, limit int) (from int, next string, err error) {
	if token != "" {
		after, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return 0, "", invalid("The specified nextToken is invalid.")
		}
		from = len(keys)
		for i, k := range keys {
			if k == string(after) {
				from = i + 1
				break
			}
		}
	}
	if end := from + limit; end < len(keys) {
		next = base64.RawURLEncoding.EncodeToString([]byte(keys[end-1]))
	}
	return from, next, nil
}
