package integrations

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/services/sfn"
)

// Events puts events on EventBridge buses. nubo's EventBridge
// (internal/services/events) is not part of nubo yet; until the
// composition root sets Events, events:putEvents tasks fail saying so.
type Events interface {
	PutEvents(ctx context.Context, account, region string, entries []EventEntry) ([]EventResult, error)
}

// EventEntry is a PutEventsRequestEntry.
type EventEntry struct {
	Source       string   `json:"Source"`
	DetailType   string   `json:"DetailType"`
	Detail       string   `json:"Detail"`
	EventBusName string   `json:"EventBusName,omitempty"`
	Resources    []string `json:"Resources,omitempty"`
	TraceHeader  string   `json:"TraceHeader,omitempty"`
}

// EventResult is a PutEventsResultEntry: an event id, or why the entry
// failed.
type EventResult struct {
	EventId      string `json:"EventId,omitempty"`
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

type putEventsParams struct {
	Entries []struct {
		Source       string          `json:"Source"`
		DetailType   string          `json:"DetailType"`
		Detail       json.RawMessage `json:"Detail"`
		EventBusName string          `json:"EventBusName"`
		Resources    []string        `json:"Resources"`
		TraceHeader  string          `json:"TraceHeader"`
	} `json:"Entries"`
}

type putEventsOutput struct {
	Entries          []EventResult `json:"Entries"`
	FailedEntryCount int           `json:"FailedEntryCount"`
}

// putEvents is events:putEvents: a Detail may be JSON, which is sent
// serialised, and every event names the state machine and the execution
// in its resources. An entry that fails fails the task
// (EventBridge.FailedEntry, the response as the cause).
func (s *Services) putEvents(ctx context.Context, t *task) (json.RawMessage, error) {
	if s.Events == nil {
		return nil, missing("EventBridge (events:putEvents)")
	}
	var p putEventsParams
	if err := params(t, &p); err != nil {
		return nil, err
	}
	id := newRequestID()
	entries := make([]EventEntry, len(p.Entries))
	for i, e := range p.Entries {
		if err := s.allow(ctx, t, eventsService, id, "events:PutEvents", busARN(t, e.EventBusName)); err != nil {
			return nil, err
		}
		detail, _ := text(e.Detail)
		resources := append(append([]string(nil), e.Resources...), machineOf(t.ExecutionArn), t.ExecutionArn)
		entries[i] = EventEntry{Source: e.Source, DetailType: e.DetailType, Detail: detail, EventBusName: e.EventBusName,
			Resources: resources, TraceHeader: e.TraceHeader}
	}
	res, err := s.Events.PutEvents(ctx, t.Account, t.Region, entries)
	if err != nil {
		return nil, &sfn.TaskError{Name: "EventBridge.AmazonEventBridgeException", Cause: err.Error()}
	}
	out := putEventsOutput{Entries: res}
	for _, r := range res {
		if r.ErrorCode != "" {
			out.FailedEntryCount++
		}
	}
	body, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	if out.FailedEntryCount > 0 {
		return nil, &sfn.TaskError{Name: "EventBridge.FailedEntry", Cause: string(body)}
	}
	return body, nil
}

// machineOf is the state machine of an execution ARN
// (arn:aws:states:R:A:execution:MACHINE:NAME).
func machineOf(execArn string) string {
	prefix, rest, ok := strings.Cut(execArn, ":execution:")
	if !ok {
		return ""
	}
	machine, _, _ := strings.Cut(rest, ":")
	return prefix + ":stateMachine:" + machine
}

// busARN is the ARN of an event bus named by name or ARN ("" is the
// default bus) in the task's account and region.
func busARN(t *task, bus string) string {
	switch {
	case strings.HasPrefix(bus, "arn:"):
		return bus
	case bus == "":
		bus = "default"
	}
	return arn.New("events", t.Region, t.Account, "event-bus/"+bus).String()
}
