package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// logsClient is an SDK CloudWatch Logs client pointed at nubo.
func (n *nubo) logsClient() *cloudwatchlogs.Client {
	return cloudwatchlogs.NewFromConfig(aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://" + n.addr),
	})
}

// streamEvents reads a whole log stream with GetLogEvents from its head.
func streamEvents(t *testing.T, c *cloudwatchlogs.Client, group, stream string) []string {
	t.Helper()
	var msgs []string
	var token *string
	for {
		out, err := c.GetLogEvents(context.Background(), &cloudwatchlogs.GetLogEventsInput{
			LogGroupName: aws.String(group), LogStreamName: aws.String(stream), StartFromHead: aws.Bool(true), NextToken: token})
		if err != nil {
			t.Fatalf("GetLogEvents: %v", err)
		}
		for _, e := range out.Events {
			msgs = append(msgs, aws.ToString(e.Message))
		}
		if token != nil && aws.ToString(out.NextForwardToken) == aws.ToString(token) {
			return msgs
		}
		token = out.NextForwardToken
	}
}

func TestCloudWatchLogsOfAFunction(t *testing.T) {
	ctx := context.Background()
	n := startNubo(t, "")
	n.createGo(t, "logger", nil)
	payload := `{"op":"print","lines":["plain line","{\"level\":\"ERROR\",\"latency\":250}","{\"level\":\"INFO\",\"latency\":5}"]}`
	n.invokeJSON(t, &lambda.InvokeInput{FunctionName: aws.String("logger"), Payload: []byte(payload)})
	c := n.logsClient()
	const group = "/aws/lambda/logger"

	groups, err := c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/lambda/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(groups.LogGroups) != 1 || aws.ToString(groups.LogGroups[0].LogGroupName) != group {
		t.Fatalf("log groups: %+v", groups.LogGroups)
	}
	g := groups.LogGroups[0]
	if want := "arn:aws:logs:us-east-1:" + account + ":log-group:" + group + ":*"; aws.ToString(g.Arn) != want {
		t.Errorf("arn: got %s, want %s", aws.ToString(g.Arn), want)
	}
	if aws.ToInt64(g.StoredBytes) == 0 || aws.ToInt64(g.CreationTime) == 0 {
		t.Errorf("group metadata: %+v", g)
	}

	streams, err := c.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String(group),
		OrderBy: cwltypes.OrderByLastEventTime, Descending: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if len(streams.LogStreams) != 1 {
		t.Fatalf("log streams: %+v", streams.LogStreams)
	}
	st := streams.LogStreams[0]
	stream := aws.ToString(st.LogStreamName)
	if !strings.Contains(stream, "/[$LATEST]") || aws.ToInt64(st.FirstEventTimestamp) == 0 ||
		aws.ToInt64(st.LastEventTimestamp) < aws.ToInt64(st.FirstEventTimestamp) || aws.ToInt64(st.LastIngestionTime) == 0 {
		t.Errorf("stream metadata: %+v", st)
	}

	msgs := streamEvents(t, c, group, stream)
	joined := strings.Join(msgs, "\n")
	for _, want := range []string{"INIT_START", "START RequestId:", "plain line", "END RequestId:", "REPORT RequestId:"} {
		if !strings.Contains(joined, want) {
			t.Errorf("stream lacks %q:\n%s", want, joined)
		}
	}

	// Without startFromHead the newest events come, and the forward token
	// of a read that found nothing new is the one given.
	last, err := c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), Limit: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(last.Events) != 1 || !strings.HasPrefix(aws.ToString(last.Events[0].Message), "REPORT") {
		t.Fatalf("last event: %+v", last.Events)
	}
	again, err := c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), NextToken: last.NextForwardToken})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Events) != 0 || aws.ToString(again.NextForwardToken) != aws.ToString(last.NextForwardToken) {
		t.Errorf("forward from the end: %d events, token %s then %s", len(again.Events), aws.ToString(last.NextForwardToken), aws.ToString(again.NextForwardToken))
	}
	back, err := c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), NextToken: last.NextBackwardToken, Limit: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Events) != 1 || !strings.HasPrefix(aws.ToString(back.Events[0].Message), "END") {
		t.Errorf("backward from REPORT: %+v", back.Events)
	}

	filter := func(in *cloudwatchlogs.FilterLogEventsInput) []string {
		t.Helper()
		in.LogGroupName = aws.String(group)
		var got []string
		p := cloudwatchlogs.NewFilterLogEventsPaginator(c, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("FilterLogEvents %q: %v", aws.ToString(in.FilterPattern), err)
			}
			for _, e := range page.Events {
				if aws.ToString(e.EventId) == "" || aws.ToString(e.LogStreamName) != stream {
					t.Errorf("event without id or stream: %+v", e)
				}
				got = append(got, aws.ToString(e.Message))
			}
		}
		return got
	}
	if got := filter(&cloudwatchlogs.FilterLogEventsInput{}); len(got) != len(msgs) {
		t.Errorf("no pattern: %d events, want %d", len(got), len(msgs))
	}
	if got := filter(&cloudwatchlogs.FilterLogEventsInput{Limit: aws.Int32(2)}); len(got) != len(msgs) {
		t.Errorf("pages of 2: %d events, want %d", len(got), len(msgs))
	}
	if got := filter(&cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String(`{ $.level = "ERROR" && $.latency > 100 }`)}); len(got) != 1 || !strings.Contains(got[0], "250") {
		t.Errorf("JSON pattern: %q", got)
	}
	if got := filter(&cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String(`?REPORT ?"plain line"`)}); len(got) != 2 {
		t.Errorf("alternatives: %q", got)
	}
	if got := filter(&cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String("RequestId -REPORT -START"), LogStreamNamePrefix: aws.String(stream[:10])}); len(got) != 1 || !strings.HasPrefix(got[0], "END") {
		t.Errorf("exclusions: %q", got)
	}
	if got := filter(&cloudwatchlogs.FilterLogEventsInput{StartTime: aws.Int64(time.Now().Add(time.Hour).UnixMilli())}); len(got) != 0 {
		t.Errorf("from the future: %q", got)
	}
	_, err = c.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(group), FilterPattern: aws.String(`{ $.level = `)})
	checkError(t, err, apiError{code: "InvalidParameterException", status: 400})
}

func TestCloudWatchLogsGroupsAndStreams(t *testing.T) {
	ctx := context.Background()
	n := startNubo(t, "")
	c := n.logsClient()
	const group = "/app/orders"
	_, err := c.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String(group)})
	checkError(t, err, apiError{code: "ResourceNotFoundException", status: 400, message: "The specified log group does not exist."})
	if _, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)})
	checkError(t, err, apiError{code: "ResourceAlreadyExistsException", status: 400})
	_, err = c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("bad name!")})
	checkError(t, err, apiError{code: "InvalidParameterException", status: 400})
	for _, s := range []string{"b", "a", "c"} {
		if _, err := c.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(s)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String("nope"),
		LogEvents: []cwltypes.InputLogEvent{{Timestamp: aws.Int64(time.Now().UnixMilli()), Message: aws.String("x")}}})
	checkError(t, err, apiError{code: "ResourceNotFoundException", status: 400, message: "The specified log stream does not exist."})

	now := time.Now()
	put := func(events ...cwltypes.InputLogEvent) *cwltypes.RejectedLogEventsInfo {
		t.Helper()
		out, err := c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String("a"), LogEvents: events})
		if err != nil {
			t.Fatalf("PutLogEvents: %v", err)
		}
		return out.RejectedLogEventsInfo
	}
	event := func(at time.Time, msg string) cwltypes.InputLogEvent {
		return cwltypes.InputLogEvent{Timestamp: aws.Int64(at.UnixMilli()), Message: aws.String(msg)}
	}
	if r := put(event(now.Add(-14*24*time.Hour-time.Hour), "too old"), event(now.Add(-14*24*time.Hour+time.Hour), "first")); r == nil || aws.ToInt32(r.TooOldLogEventEndIndex) != 0 || r.TooNewLogEventStartIndex != nil {
		t.Errorf("rejected: %+v", r)
	}
	if r := put(event(now, "second"), event(now.Add(3*time.Hour), "too new")); r == nil || aws.ToInt32(r.TooNewLogEventStartIndex) != 1 || r.TooOldLogEventEndIndex != nil {
		t.Errorf("rejected: %+v", r)
	}
	if r := put(event(now, "third")); r != nil {
		t.Errorf("rejected: %+v", r)
	}
	_, err = c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String("a"),
		LogEvents: []cwltypes.InputLogEvent{event(now.Add(-25*time.Hour), "x"), event(now, "y")}})
	checkError(t, err, apiError{code: "InvalidParameterException", status: 400, message: "The batch of log events in a single PutLogEvents request cannot span more than 24 hours."})
	if got := streamEvents(t, c, group, "a"); strings.Join(got, ",") != "first,second,third" {
		t.Errorf("stored events: %q", got)
	}
	_, err = c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String("b"),
		LogEvents: []cwltypes.InputLogEvent{{Timestamp: aws.Int64(now.UnixMilli()), Message: aws.String("2")}, {Timestamp: aws.Int64(now.Add(-time.Second).UnixMilli()), Message: aws.String("1")}}})
	checkError(t, err, apiError{code: "InvalidParameterException", status: 400, message: "Log events in a single PutLogEvents request must be in chronological order."})

	byTime, err := c.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String(group), OrderBy: cwltypes.OrderByLastEventTime, Descending: aws.Bool(true), Limit: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(byTime.LogStreams) != 1 || aws.ToString(byTime.LogStreams[0].LogStreamName) != "a" || byTime.NextToken == nil {
		t.Errorf("newest stream first: %+v", byTime.LogStreams)
	}
	var names []string
	p := cloudwatchlogs.NewDescribeLogStreamsPaginator(c, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String(group), Limit: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.LogStreams {
			names = append(names, aws.ToString(s.LogStreamName))
		}
	}
	if strings.Join(names, ",") != "a,b,c" {
		t.Errorf("streams by name, in pages of 2: %q", names)
	}

	_, err = c.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(group), RetentionInDays: aws.Int32(2)})
	checkError(t, err, apiError{code: "InvalidParameterException", status: 400})
	if _, err := c.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(group), RetentionInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	gs, err := c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(group)})
	if err != nil || len(gs.LogGroups) != 1 || aws.ToInt32(gs.LogGroups[0].RetentionInDays) != 7 {
		t.Fatalf("retention: %+v %v", gs, err)
	}
	if _, err := c.DeleteRetentionPolicy(ctx, &cloudwatchlogs.DeleteRetentionPolicyInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteLogStream(ctx, &cloudwatchlogs.DeleteLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String("a")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String("a")})
	checkError(t, err, apiError{code: "ResourceNotFoundException", status: 400, message: "The specified log stream does not exist."})
	if _, err := c.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(group)})
	checkError(t, err, apiError{code: "ResourceNotFoundException", status: 400, message: "The specified log group does not exist."})
}
