package events

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/eventfilter"
	"github.com/nubo-dev/nubo/internal/targets"
)

// The limits of PutEvents.
const (
	maxEntries    = 10
	maxEntriesSum = 256 * 1024
	chunk         = 64 * 1024 // a billed custom event
	timeLayout    = "2006-01-02T15:04:05Z"
)

// envelope is an event as targets get it, its members in AWS's order.
type envelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
	ReplayName string          `json:"replay-name,omitempty"`
}

// encode writes JSON as AWS does, without escaping <, > and &.
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// entrySize is an entry's size as AWS counts it against the 256 KB of a
// request.
func entrySize(e Entry) int {
	n := len(e.Source) + len(e.DetailType) + len(e.Detail)
	if !e.Time.IsZero() {
		n += 14
	}
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}

// PutEvents accepts up to ten events. Each accepted event is stored before
// PutEvents returns; each refused one has its error code and message.
func (s *Service) PutEvents(ctx context.Context, region string, entries []Entry) ([]EntryResult, int, error) {
	switch {
	case len(entries) == 0:
		return nil, 0, validation("1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case len(entries) > maxEntries:
		return nil, 0, validation("1 validation error detected: Value '%s' at 'entries' failed to satisfy constraint: Member must have length less than or equal to %d", javaEntries(entries), maxEntries)
	}
	size := 0
	for _, e := range entries {
		size += entrySize(e)
	}
	if size > maxEntriesSum {
		return nil, 0, validation("Total size of the entries in the request is over the limit.")
	}
	now := s.now()
	results := make([]EntryResult, len(entries))
	batches := map[string]*ingest{}
	var order []string
	failed := 0
	var chunks int64
	for i, e := range entries {
		busName, ev, errCode, errMsg := s.accept(region, e, now)
		if errCode != "" {
			results[i] = EntryResult{ErrorCode: errCode, ErrorMessage: errMsg}
			failed++
			continue
		}
		b := batches[busName]
		if b == nil {
			b = &ingest{Region: region, Bus: busName, Received: now.UnixMilli()}
			batches[busName] = b
			order = append(order, busName)
		}
		b.Events = append(b.Events, ev.raw)
		results[i] = EntryResult{EventId: ev.id}
		chunks += int64(max(1, (entrySize(e)+chunk-1)/chunk))
	}
	for _, name := range order {
		if err := s.publish(ctx, batches[name]); err != nil {
			return nil, 0, err
		}
	}
	if s.opts.Meter != nil && chunks > 0 {
		s.opts.Meter.CustomEvents(region, chunks)
	}
	return results, failed, nil
}

// accepted is an event built from an entry.
type accepted struct {
	id  string
	raw json.RawMessage
}

// accept checks an entry and builds its event, or says why it is refused.
func (s *Service) accept(region string, e Entry, now time.Time) (string, accepted, string, string) {
	switch {
	case e.Source == "":
		return "", accepted{}, "InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument."
	case e.DetailType == "":
		return "", accepted{}, "InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument."
	case e.Detail == "":
		return "", accepted{}, "InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument."
	}
	detail := bytes.TrimSpace([]byte(e.Detail))
	if len(detail) == 0 || detail[0] != '{' || !json.Valid(detail) {
		return "", accepted{}, "MalformedDetail", "Detail is malformed."
	}
	busName, err := busArg(e.EventBusName, "eventBusName")
	if err != nil {
		return "", accepted{}, "InvalidArgument", err.(*awserr.Error).Message
	}
	s.mu.RLock()
	exists := s.busLocked(region, busName) != nil
	s.mu.RUnlock()
	if !exists {
		return "", accepted{}, "ResourceNotFoundException", fmt.Sprintf("Event bus %s does not exist.", busName)
	}
	t := e.Time
	if t.IsZero() {
		t = now
	}
	env := envelope{Version: "0", ID: uuid.NewString(), DetailType: e.DetailType, Source: e.Source, Account: s.opts.Account,
		Time: t.UTC().Format(timeLayout), Region: region, Resources: e.Resources, Detail: detail}
	if env.Resources == nil {
		env.Resources = []string{}
	}
	raw, err := encode(env)
	if err != nil {
		return "", accepted{}, "MalformedDetail", "Detail is malformed."
	}
	return busName, accepted{id: env.ID, raw: raw}, "", ""
}

// javaEntries renders entries as AWS's validation message does (Java's
// toString of the request entries).
func javaEntries(entries []Entry) string {
	str := func(s string) string {
		if s == "" {
			return "null"
		}
		return s
	}
	parts := make([]string, len(entries))
	for i, e := range entries {
		res, t := "null", "null"
		if e.Resources != nil {
			res = "[" + strings.Join(e.Resources, ", ") + "]"
		}
		if !e.Time.IsZero() {
			t = e.Time.UTC().Format(time.RFC3339)
		}
		parts[i] = fmt.Sprintf("PutEventsRequestEntry(time=%s, source=%s, resources=%s, detailType=%s, detail=%s, eventBusName=%s, traceHeader=%s, kmsKeyIdentifier=null, internalMetadata=null)",
			t, str(e.Source), res, str(e.DetailType), str(e.Detail), str(e.EventBusName), str(e.TraceHeader))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// TestEventPattern reports whether an event matches a pattern. The event
// must have the members every event has.
func (s *Service) TestEventPattern(pattern, event string) (bool, error) {
	p, err := eventfilter.Compile([]byte(pattern))
	if err != nil {
		return false, awserr.New(ErrInvalidEventPattern, "Event pattern is not valid. Reason: %s", err.Error())
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal([]byte(event), &fields) != nil {
		return false, validation("Parameter Event is not valid.")
	}
	for _, k := range []string{"id", "account", "source", "time", "region", "detail-type"} {
		if _, ok := fields[k]; !ok {
			return false, validation("Parameter Event is not valid.")
		}
	}
	return p.MatchJSON([]byte(event)), nil
}

// PutEvent puts an event that a rule (or a schedule) delivers to a bus on
// that bus, as it is: package targets' Buses.
func (s *Service) PutEvent(ctx context.Context, busARN string, m targets.Message) error {
	a, err := arn.Parse(busARN)
	typ, busName := a.ResourceType()
	if err != nil || a.Service != "events" || typ != "event-bus" {
		return fmt.Errorf("%w: %s is not an event bus", targets.ErrUnsupported, busARN)
	}
	var env map[string]json.RawMessage
	if json.Unmarshal(m.Body, &env) != nil {
		return errInvalidJSON
	}
	s.mu.RLock()
	exists := s.busLocked(a.Region, busName) != nil
	s.mu.RUnlock()
	if !exists {
		return fmt.Errorf("%w: %w", targets.ErrNotFound, busNotFound(busName))
	}
	return s.publish(ctx, &ingest{Region: a.Region, Bus: busName, Events: []json.RawMessage{m.Body}, Received: s.now().UnixMilli()})
}
