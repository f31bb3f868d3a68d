package sfn

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
)

// logEvent sends an event to the execution's log group when its state
// machine's LoggingConfiguration asks for events of that kind.
func (s *Service) logEvent(ctx context.Context, m *execMeta, e *HistoryEvent) {
	l := m.Spec.Logging
	if s.opts.Logs == nil || l == nil || !logged(l.Level, e.Type) || len(l.Destinations) == 0 || l.Destinations[0].CloudWatchLogsLogGroup == nil {
		return
	}
	msg, err := logMessage(m, e, l.IncludeExecutionData)
	if err != nil {
		s.log.Error("format execution log", "execution", m.Arn, "err", err)
		return
	}
	stream := "states/" + m.MachineName + "/" + m.Start.UTC().Format("2006-01-02-15-04") + "/" + m.Name
	s.opts.Logs.Log(context.WithoutCancel(ctx), l.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn, stream, msg)
}

// logged reports whether a log level includes an event type: ALL every
// event, ERROR the failures, FATAL the failures that end an execution.
func logged(level, typ string) bool {
	switch level {
	case "ALL":
		return true
	case "ERROR":
		return strings.HasSuffix(typ, "Failed") || strings.HasSuffix(typ, "TimedOut") || strings.HasSuffix(typ, "Aborted")
	case "FATAL":
		return typ == "ExecutionFailed" || typ == "ExecutionTimedOut" || typ == "ExecutionAborted"
	}
	return false
}

// logMessage formats an event as Step Functions logs it.
func logMessage(m *execMeta, e *HistoryEvent, includeData bool) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, err
	}
	var details json.RawMessage = []byte("{}")
	for k, v := range fields {
		if strings.HasSuffix(k, "EventDetails") {
			details = v
		}
	}
	if !includeData {
		var d map[string]any
		json.Unmarshal(details, &d)
		for _, f := range []string{"input", "output", "parameters"} {
			delete(d, f)
		}
		details, _ = json.Marshal(d)
	}
	return json.Marshal(map[string]any{
		"id":                strconv.FormatInt(e.ID, 10),
		"type":              e.Type,
		"details":           details,
		"previous_event_id": strconv.FormatInt(e.PreviousEventID, 10),
		"event_timestamp":   strconv.FormatInt(e.Timestamp.UnixMilli(), 10),
		"execution_arn":     m.Arn,
		"redrive_count":     strconv.Itoa(m.RedriveCount),
	})
}
