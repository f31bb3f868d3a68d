package logsapi

import (
	"context"
	"encoding/base64"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/logs"
	"github.com/nubo-dev/nubo/internal/services/logs/pattern"
)

// The limits of PutLogEvents and of a page of events.
const (
	maxBatchEvents = 10000
	maxBatchBytes  = 1048576
	eventOverhead  = 26 // bytes AWS counts per event on top of its message
	maxPageBytes   = 1048576
	maxFuture      = 2 * time.Hour
	maxPast        = 14 * 24 * time.Hour
	maxSpan        = 24 * time.Hour
)

type rejected struct {
	TooNewStart *int `json:"tooNewLogEventStartIndex,omitempty"`
	TooOldEnd   *int `json:"tooOldLogEventEndIndex,omitempty"`
	ExpiredEnd  *int `json:"expiredLogEventEndIndex,omitempty"`
}

type putLogEventsInput struct {
	LogGroupName  string `json:"logGroupName"`
	LogStreamName string `json:"logStreamName"`
	LogEvents     []struct {
		Timestamp *int64 `json:"timestamp"`
		Message   string `json:"message"`
	} `json:"logEvents"`
}

type putLogEventsOutput struct {
	Rejected *rejected `json:"rejectedLogEventsInfo,omitempty"`
}

func (s *Service) putLogEvents(ctx context.Context, in *putLogEventsInput) (*putLogEventsOutput, error) {
	group, err := groupName(in.LogGroupName, "")
	if err != nil {
		return nil, err
	}
	stream, err := streamName(in.LogStreamName)
	if err != nil {
		return nil, err
	}
	n := len(in.LogEvents)
	switch {
	case n == 0:
		return nil, invalid("1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case n > maxBatchEvents:
		return nil, invalid("1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to %d", maxBatchEvents)
	}
	info, err := s.logs.Group(group)
	if err != nil {
		return nil, err
	}
	size := 0
	events := make([]lambda.LogEvent, n)
	for i, e := range in.LogEvents {
		if e.Timestamp == nil || e.Message == "" {
			return nil, invalid("1 validation error detected: Value null at 'logEvents.%d.member.%s' failed to satisfy constraint: Member must not be null", i+1, map[bool]string{true: "timestamp", false: "message"}[e.Timestamp == nil])
		}
		if i > 0 && *e.Timestamp < events[i-1].Timestamp {
			return nil, invalid("Log events in a single PutLogEvents request must be in chronological order.")
		}
		events[i] = lambda.LogEvent{Timestamp: *e.Timestamp, Message: e.Message}
		size += len(e.Message) + eventOverhead
	}
	if size > maxBatchBytes {
		return nil, invalid("Upload too large: %d bytes exceeds limit of %d", size, maxBatchBytes)
	}
	if events[n-1].Timestamp-events[0].Timestamp > maxSpan.Milliseconds() {
		return nil, invalid("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
	}
	now := time.Now()
	var rej rejected
	from, to := 0, n
	for i, e := range events {
		switch {
		case info.RetentionDays > 0 && e.Timestamp < now.Add(-time.Duration(info.RetentionDays)*24*time.Hour).UnixMilli():
			rej.ExpiredEnd, from = &i, i+1
		case e.Timestamp < now.Add(-maxPast).UnixMilli():
			rej.TooOldEnd, from = &i, i+1
		case e.Timestamp > now.Add(maxFuture).UnixMilli() && to == n:
			rej.TooNewStart, to = &i, i
		}
	}
	if from < to {
		if err := s.logs.Put(ctx, group, stream, events[from:to]); err != nil {
			return nil, err
		}
	} else if _, err := s.logs.Streams(group); err != nil {
		return nil, err
	}
	out := &putLogEventsOutput{}
	if rej != (rejected{}) {
		out.Rejected = &rej
	}
	return out, nil
}

type outputEvent struct {
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
}

type getLogEventsInput struct {
	LogGroupName       string `json:"logGroupName"`
	LogGroupIdentifier string `json:"logGroupIdentifier"`
	LogStreamName      string `json:"logStreamName"`
	StartTime          int64  `json:"startTime"`
	EndTime            int64  `json:"endTime"`
	NextToken          string `json:"nextToken"`
	Limit              *int   `json:"limit"`
	StartFromHead      bool   `json:"startFromHead"`
}

type getLogEventsOutput struct {
	Events   []outputEvent `json:"events"`
	Forward  string        `json:"nextForwardToken"`
	Backward string        `json:"nextBackwardToken"`
}

func (s *Service) getLogEvents(ctx context.Context, in *getLogEventsInput) (*getLogEventsOutput, error) {
	group, err := groupName(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	stream, err := streamName(in.LogStreamName)
	if err != nil {
		return nil, err
	}
	limit, err := pageLimit(in.Limit, maxBatchEvents)
	if err != nil {
		return nil, err
	}
	if err := s.streamExists(group, stream); err != nil {
		return nil, err
	}
	tok, err := parseStreamToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	q := logs.Query{Group: group, Streams: []string{stream}, Start: in.StartTime, End: in.EndTime}
	forward := in.StartFromHead
	if tok != nil {
		forward = tok.forward
		if forward {
			q.After = tok.pos
		}
	}
	var got []logs.StoredEvent
	if forward {
		got, err = s.head(ctx, q, limit)
	} else {
		var before *logs.Position
		if tok != nil {
			before = &tok.pos
		}
		got, err = s.tail(ctx, q, before, limit)
	}
	if err != nil {
		return nil, err
	}
	out := &getLogEventsOutput{Events: []outputEvent{}}
	for _, e := range got {
		out.Events = append(out.Events, outputEvent{Timestamp: e.Timestamp, Message: e.Message, IngestionTime: e.Ingestion})
	}
	switch {
	case len(got) > 0:
		out.Forward = streamToken{true, got[len(got)-1].Pos}.String()
		out.Backward = streamToken{false, got[0].Pos}.String()
	case tok == nil:
		out.Forward, out.Backward = streamToken{true, logs.Position{}}.String(), streamToken{false, logs.Position{}}.String()
	case tok.forward:
		// Nothing new: the same token again, and a backward one that
		// includes the token's own position.
		out.Forward = in.NextToken
		out.Backward = streamToken{false, logs.Position{Seq: tok.pos.Seq, Index: tok.pos.Index + 1}}.String()
	default:
		out.Backward = in.NextToken
		out.Forward = streamToken{true, logs.Position{Seq: tok.pos.Seq, Index: tok.pos.Index - 1}}.String()
	}
	return out, nil
}

func (s *Service) streamExists(group, stream string) error {
	streams, err := s.logs.Streams(group)
	if err != nil {
		return err
	}
	for _, st := range streams {
		if st.Name == stream {
			return nil
		}
	}
	return logs.ErrStreamNotFound
}

// head returns the first events q selects, at most limit of them and
// about a page's bytes.
func (s *Service) head(ctx context.Context, q logs.Query, limit int) ([]logs.StoredEvent, error) {
	var got []logs.StoredEvent
	bytes := 0
	err := s.logs.Scan(ctx, q, func(e logs.StoredEvent) bool {
		bytes += len(e.Message) + eventOverhead
		if len(got) == limit || len(got) > 0 && bytes > maxPageBytes {
			return false
		}
		got = append(got, e)
		return true
	})
	return got, err
}

// tail returns the last events q selects before position before (if
// set), at most limit of them and about a page's bytes.
func (s *Service) tail(ctx context.Context, q logs.Query, before *logs.Position, limit int) ([]logs.StoredEvent, error) {
	var ring []logs.StoredEvent
	err := s.logs.Scan(ctx, q, func(e logs.StoredEvent) bool {
		if before != nil && !e.Pos.Less(*before) {
			return false
		}
		ring = append(ring, e)
		if len(ring) > 2*limit {
			ring = append(ring[:0], ring[len(ring)-limit:]...)
		}
		return true
	})
	if len(ring) > limit {
		ring = ring[len(ring)-limit:]
	}
	bytes := 0
	for i := len(ring) - 1; i >= 0; i-- {
		if bytes += len(ring[i].Message) + eventOverhead; bytes > maxPageBytes && i < len(ring)-1 {
			return ring[i+1:], err
		}
	}
	return ring, err
}

// streamToken is a GetLogEvents token: read forward from after a
// position, or backward from before one.
type streamToken struct {
	forward bool
	pos     logs.Position
}

func (t streamToken) String() string {
	if t.forward {
		return "f/" + t.pos.String()
	}
	return "b/" + t.pos.String()
}

func parseStreamToken(s string) (*streamToken, error) {
	if s == "" {
		return nil, nil
	}
	dir, pos, ok := strings.Cut(s, "/")
	p, err := logs.ParsePosition(pos)
	if !ok || err != nil || dir != "f" && dir != "b" {
		return nil, invalid("The specified nextToken is invalid.")
	}
	return &streamToken{forward: dir == "f", pos: p}, nil
}

type filteredEvent struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId"`
}

type searchedStream struct {
	LogStreamName      string `json:"logStreamName"`
	SearchedCompletely bool   `json:"searchedCompletely"`
}

type filterLogEventsInput struct {
	LogGroupName       string   `json:"logGroupName"`
	LogGroupIdentifier string   `json:"logGroupIdentifier"`
	LogStreamNames     []string `json:"logStreamNames"`
	Prefix             string   `json:"logStreamNamePrefix"`
	StartTime          int64    `json:"startTime"`
	EndTime            int64    `json:"endTime"`
	FilterPattern      string   `json:"filterPattern"`
	NextToken          string   `json:"nextToken"`
	Limit              *int     `json:"limit"`
}

type filterLogEventsOutput struct {
	Events   []filteredEvent  `json:"events"`
	Searched []searchedStream `json:"searchedLogStreams"`
	Next     string           `json:"nextToken,omitempty"`
}

func (s *Service) filterLogEvents(ctx context.Context, in *filterLogEventsInput) (*filterLogEventsOutput, error) {
	group, err := groupName(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	if len(in.LogStreamNames) > 0 && in.Prefix != "" {
		return nil, invalid("logStreamNames and logStreamNamePrefix are mutually exclusive")
	}
	if len(in.LogStreamNames) > 100 {
		return nil, invalid("1 validation error detected: Value at 'logStreamNames' failed to satisfy constraint: Member must have length less than or equal to 100")
	}
	limit, err := pageLimit(in.Limit, maxBatchEvents)
	if err != nil {
		return nil, err
	}
	p, err := pattern.Parse(in.FilterPattern)
	if err != nil {
		return nil, invalid("Invalid character(s) in term '%s': %v", in.FilterPattern, err)
	}
	q := logs.Query{Group: group, Streams: in.LogStreamNames, Prefix: in.Prefix, Start: in.StartTime}
	if in.EndTime > 0 {
		q.End = in.EndTime + 1 // FilterLogEvents' end time is inclusive
	}
	if in.NextToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err == nil {
			q.After, err = logs.ParsePosition(string(raw))
		}
		if err != nil {
			return nil, invalid("The specified nextToken is invalid.")
		}
	}
	streams, err := s.searched(group, in.LogStreamNames, in.Prefix)
	if err != nil {
		return nil, err
	}
	events := []filteredEvent{}
	var last logs.Position
	more, bytes := false, 0
	err = s.logs.Scan(ctx, q, func(e logs.StoredEvent) bool {
		if !p.Match(e.Message) {
			return true
		}
		bytes += len(e.Message) + eventOverhead
		if len(events) == limit || len(events) > 0 && bytes > maxPageBytes {
			more = true
			return false
		}
		events = append(events, filteredEvent{LogStreamName: e.Stream, Timestamp: e.Timestamp, Message: e.Message,
			IngestionTime: e.Ingestion, EventID: e.ID()})
		last = e.Pos
		return true
	})
	if err != nil {
		return nil, err
	}
	out := &filterLogEventsOutput{Events: events, Searched: []searchedStream{}}
	for _, name := range streams {
		out.Searched = append(out.Searched, searchedStream{LogStreamName: name, SearchedCompletely: !more})
	}
	if more {
		out.Next = base64.RawURLEncoding.EncodeToString([]byte(last.String()))
	}
	return out, nil
}

// searched lists the streams a FilterLogEvents call searches.
func (s *Service) searched(group string, names []string, prefix string) ([]string, error) {
	all, err := s.logs.Streams(group)
	if err != nil {
		return nil, err
	}
	wanted := map[string]bool{}
	for _, n := range names {
		wanted[n] = true
	}
	var out []string
	for _, st := range all {
		if (len(names) == 0 || wanted[st.Name]) && strings.HasPrefix(st.Name, prefix) {
			out = append(out, st.Name)
		}
	}
	return out, nil
}
