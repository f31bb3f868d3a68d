package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
)

// The predefined variables of input templates.
const (
	varRuleARN       = "aws.events.rule-arn"
	varRuleName      = "aws.events.rule-name"
	varIngestionTime = "aws.events.event.ingestion-time"
	varEvent         = "aws.events.event"
	varEventJSON     = "aws.events.event.json"
)

var predefined = map[string]bool{varRuleARN: true, varRuleName: true, varIngestionTime: true, varEvent: true, varEventJSON: true}

// placeholder is <name> in an input template.
var placeholder = regexp.MustCompile(`<([A-Za-z0-9_.\-]+)>`)

// errInvalidJSON is a transformation whose result is not the JSON its
// template promised; the delivery fails with INVALID_JSON.
var errInvalidJSON = errors.New("the input transformer's output is not valid JSON")

// checkTransformer checks an InputTransformer as PutTargets does.
func checkTransformer(id string, t *InputTransformer) error {
	if t.InputTemplate == "" {
		return validation("1 validation error detected: Value null at 'targets.1.member.inputTransformer.inputTemplate' failed to satisfy constraint: Member must not be null")
	}
	if len(t.InputPathsMap) > 100 {
		return validation("InputPathsMap for target %s has more than 100 entries.", id)
	}
	for k, v := range t.InputPathsMap {
		if !matchPattern(pathKeyPattern, k) || len(k) > 256 {
			return validation("InputPathsMap for target %s has an invalid key %s.", id, k)
		}
		if _, err := parsePath(v); err != nil {
			return validation("InputPathsMap for target %s has an invalid JSON path %s.", id, v)
		}
	}
	for _, m := range placeholder.FindAllStringSubmatch(t.InputTemplate, -1) {
		if _, ok := t.InputPathsMap[m[1]]; !ok && !predefined[m[1]] {
			return validation("InputTemplate for target %s contains invalid placeholder %s.", id, m[1])
		}
	}
	return nil
}

// eventVars are the predefined variables' values for one delivery.
type eventVars struct {
	ruleARN, ruleName, ingestion string
	event                        json.RawMessage
}

// value is a variable's value for a template: its JSON, or nil when its
// path selects nothing.
func (ev *eventVars) value(t *InputTransformer, name string) json.RawMessage {
	switch name {
	case varRuleARN:
		return quote(ev.ruleARN)
	case varRuleName:
		return quote(ev.ruleName)
	case varIngestionTime:
		return quote(ev.ingestion)
	case varEventJSON:
		return ev.event
	case varEvent:
		return withoutDetail(ev.event)
	}
	p, err := parsePath(t.InputPathsMap[name])
	if err != nil {
		return nil
	}
	v, _ := p.eval(ev.event)
	return v
}

// withoutDetail is aws.events.event: the event without its detail, as
// EventBridge renders it (detail-type as detailType).
func withoutDetail(event json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	n := 0
	for _, key := range []string{"id", "account", "detail-type", "time", "source", "region", "resources", "version"} {
		for _, m := range orderedMembers(event) {
			if m.key != key {
				continue
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			if key == "detail-type" {
				key = "detailType"
			}
			b.Write(quote(key))
			b.WriteByte(':')
			b.Write(m.value)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

func quote(s string) json.RawMessage {
	data, _ := json.Marshal(s)
	return data
}

// transform renders an input template. A template that is JSON (it begins
// with { or [) gets a variable's JSON where it stands outside quotes (null
// when its path selects nothing) and a string's text inside them (an
// object or array there is an error, as the result would not be JSON); the
// result must be JSON. Any other template is text: variables are written
// as text, objects and arrays without quotes ({key:value,...}, [a,b]),
// nothing for a path that selects nothing.
func transform(t *InputTransformer, ev *eventVars) ([]byte, error) {
	tmpl := t.InputTemplate
	jsonTemplate := strings.HasPrefix(strings.TrimSpace(tmpl), "{") || strings.HasPrefix(strings.TrimSpace(tmpl), "[")
	var out bytes.Buffer
	inString, escaped := false, false
	for i := 0; i < len(tmpl); {
		if m := placeholder.FindStringSubmatchIndex(tmpl[i:]); m != nil && m[0] == 0 {
			v := ev.value(t, tmpl[i+m[2]:i+m[3]])
			switch {
			case !jsonTemplate:
				writeText(&out, v)
			case inString:
				if err := writeInString(&out, v); err != nil {
					return nil, err
				}
			case v == nil:
				out.WriteString("null")
			default:
				out.Write(v)
			}
			i += m[1]
			continue
		}
		c := tmpl[i]
		switch {
		case escaped:
			escaped = false
		case c == '\\' && inString:
			escaped = true
		case c == '"':
			inString = !inString
		}
		out.WriteByte(c)
		i++
	}
	if jsonTemplate && !json.Valid(out.Bytes()) {
		return nil, errInvalidJSON
	}
	return out.Bytes(), nil
}

// writeInString writes a value inside a JSON string: a string's escaped
// text, a number's or boolean's text, nothing for null.
func writeInString(out *bytes.Buffer, v json.RawMessage) error {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0 || string(v) == "null":
	case v[0] == '"':
		out.Write(v[1 : len(v)-1])
	case v[0] == '{' || v[0] == '[':
		return errInvalidJSON
	default:
		out.Write(v)
	}
	return nil
}

// writeText writes a value as text: strings unquoted, objects and arrays
// in JSON's shape without quotes.
func writeText(out *bytes.Buffer, v json.RawMessage) {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0 || string(v) == "null":
	case v[0] == '"':
		var s string
		json.Unmarshal(v, &s)
		out.WriteString(s)
	case v[0] == '{':
		out.WriteByte('{')
		for i, m := range orderedMembers(v) {
			if i > 0 {
				out.WriteByte(',')
			}
			out.WriteString(m.key)
			out.WriteByte(':')
			writeText(out, m.value)
		}
		out.WriteByte('}')
	case v[0] == '[':
		var items []json.RawMessage
		json.Unmarshal(v, &items)
		out.WriteByte('[')
		for i, it := range items {
			if i > 0 {
				out.WriteByte(',')
			}
			writeText(out, it)
		}
		out.WriteByte(']')
	default:
		out.Write(v)
	}
}

// input is the body a target gets for an event: Input as given, the part
// InputPath selects, the InputTransformer's rendering, or the event.
func input(t *Target, ev *eventVars) ([]byte, error) {
	switch {
	case t.Input != "":
		return []byte(t.Input), nil
	case t.InputPath != "":
		p, err := parsePath(t.InputPath)
		if err != nil {
			return nil, err
		}
		v, ok := p.eval(ev.event)
		if !ok {
			return []byte("null"), nil
		}
		var b bytes.Buffer
		if json.Compact(&b, v) != nil {
			return v, nil
		}
		return b.Bytes(), nil
	case t.InputTransformer != nil:
		return transform(t.InputTransformer, ev)
	}
	return ev.event, nil
}
