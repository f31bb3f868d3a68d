package logsapi

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/logs"
)

// fakeLogs has one group "g" with streams "a" and "b" of two events each.
type fakeLogs struct{}

func (fakeLogs) CreateGroup(context.Context, string) error          { return logs.ErrGroupExists }
func (fakeLogs) CreateStream(context.Context, string, string) error { return nil }
func (fakeLogs) DeleteGroup(context.Context, string) error          { return logs.ErrGroupNotFound }
func (fakeLogs) DeleteStream(context.Context, string, string) error { return nil }
func (fakeLogs) SetRetention(context.Context, string, int) error    { return nil }
func (fakeLogs) Group(name string) (logs.GroupInfo, error) {
	if name != "g" {
		return logs.GroupInfo{}, logs.ErrGroupNotFound
	}
	return logs.GroupInfo{Name: "g", Created: 1, RetentionDays: 1}, nil
}
func (f fakeLogs) Groups(prefix string) []logs.GroupInfo {
	g, _ := f.Group("g")
	return []logs.GroupInfo{g}
}
func (fakeLogs) Streams(group string) ([]logs.StreamInfo, error) {
	if group != "g" {
		return nil, logs.ErrGroupNotFound
	}
	return []logs.StreamInfo{{Group: "g", Name: "a", LastEvent: 2}, {Group: "g", Name: "b", LastEvent: 1}}, nil
}
func (fakeLogs) Put(context.Context, string, string, []lambda.LogEvent) error { return nil }
func (fakeLogs) PutResourcePolicy(context.Context, string, string) (logs.ResourcePolicy, error) {
	return logs.ResourcePolicy{}, logs.ErrPolicyLimit
}
func (fakeLogs) DeleteResourcePolicy(context.Context, string) error { return logs.ErrPolicyNotFound }
func (fakeLogs) ResourcePolicies() []logs.ResourcePolicy            { return nil }
func (fakeLogs) Policy() (*policy.Document, error)                  { return nil, nil }
func (fakeLogs) Scan(ctx context.Context, q logs.Query, fn func(logs.StoredEvent) bool) error {
	for _, e := range []logs.StoredEvent{
		{Stream: "a", Timestamp: 1, Message: "START x", Pos: logs.Position{Seq: 1}},
		{Stream: "b", Timestamp: 2, Message: `{"level":"ERROR"}`, Pos: logs.Position{Seq: 2}},
		{Stream: "a", Timestamp: 3, Message: "REPORT x", Pos: logs.Position{Seq: 3}},
	} {
		if q.After.Less(e.Pos) && (q.End == 0 || e.Timestamp < q.End) && e.Timestamp >= q.Start && !fn(e) {
			return nil
		}
	}
	return nil
}

func TestTokens(t *testing.T) {
	for _, s := range []string{"f/12.3", "b/0.-1", "f/0.0"} {
		tok, err := parseStreamToken(s)
		if err != nil || tok.String() != s {
			t.Errorf("%s: %v %v", s, tok, err)
		}
	}
	for _, s := range []string{"x/1.2", "f/1", "f/a.b", "f/1.-2", "f"} {
		if _, err := parseStreamToken(s); err == nil {
			t.Errorf("%s: want an error", s)
		}
	}
	keys := []string{"a", "b", "c", "d", "e"}
	from, next, _ := page(keys, "", 2)
	if from != 0 || next == "" {
		t.Fatalf("first page: %d %q", from, next)
	}
	from, next, _ = page(keys, next, 2)
	if from != 2 || next == "" {
		t.Fatalf("second page: %d %q", from, next)
	}
	from, next, _ = page(keys, next, 2)
	if from != 4 || next != "" {
		t.Fatalf("last page: %d %q", from, next)
	}
}

// FuzzService sends arbitrary operations and bodies: nubo must answer,
// never panic or fail with a server error.
func FuzzService(f *testing.F) {
	s := New(fakeLogs{}, "000000000000", slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.Add("FilterLogEvents", `{"logGroupName":"g","filterPattern":"{ $.level = \"ERROR\" }","limit":1}`)
	f.Add("GetLogEvents", `{"logGroupName":"g","logStreamName":"a","nextToken":"b/3.0","limit":1}`)
	f.Add("DescribeLogStreams", `{"logGroupName":"g","orderBy":"LastEventTime","descending":true,"limit":1}`)
	f.Add("PutLogEvents", `{"logGroupName":"g","logStreamName":"a","logEvents":[{"timestamp":1,"message":"x"}]}`)
	f.Add("DescribeLogGroups", `{"logGroupNamePattern":"G","nextToken":"Zw"}`)
	f.Fuzz(func(t *testing.T, op, body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("X-Amz-Target", TargetPrefix+op)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %q: status %d: %s", op, body, w.Code, w.Body)
		}
	})
}
