package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// path is a JSON path of the subset EventBridge evaluates in InputPath and
// InputPathsMap: $, then .name, [index], .* or [*] steps. Values are read
// from the event's JSON as it is, so objects keep their members' order.
type path []step

type step struct {
	name  string
	index int // when name is "" and !wild
	wild  bool
}

var errPath = errors.New("not a JSON path")

func parsePath(s string) (path, error) {
	rest, ok := strings.CutPrefix(s, "$")
	if !ok {
		return nil, errPath
	}
	var p path
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, ".*"):
			p, rest = append(p, step{wild: true}), rest[2:]
		case strings.HasPrefix(rest, "[*]"):
			p, rest = append(p, step{wild: true}), rest[3:]
		case rest[0] == '.':
			end := strings.IndexAny(rest[1:], ".[")
			if end < 0 {
				end = len(rest) - 1
			}
			name := rest[1 : 1+end]
			if name == "" {
				return nil, errPath
			}
			p, rest = append(p, step{name: name}), rest[1+end:]
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, errPath
			}
			i, err := strconv.Atoi(rest[1:end])
			if err != nil || i < 0 {
				return nil, errPath
			}
			p, rest = append(p, step{index: i}), rest[end+1:]
		default:
			return nil, errPath
		}
	}
	return p, nil
}

// eval returns the JSON the path selects in doc, and false when it selects
// nothing. A wildcard step selects an array of what follows it in every
// member.
func (p path) eval(doc json.RawMessage) (json.RawMessage, bool) {
	if len(p) == 0 {
		return doc, true
	}
	st := p[0]
	doc = bytes.TrimSpace(doc)
	if st.wild {
		var members []json.RawMessage
		if len(doc) > 0 && doc[0] == '{' {
			for _, kv := range orderedMembers(doc) {
				members = append(members, kv.value)
			}
		} else if json.Unmarshal(doc, &members) != nil {
			return nil, false
		}
		var out []json.RawMessage
		for _, m := range members {
			if v, ok := p[1:].eval(m); ok {
				out = append(out, v)
			}
		}
		data, _ := json.Marshal(out)
		return data, len(out) > 0
	}
	if st.name != "" {
		var obj map[string]json.RawMessage
		if json.Unmarshal(doc, &obj) != nil {
			return nil, false
		}
		v, ok := obj[st.name]
		if !ok {
			return nil, false
		}
		return p[1:].eval(v)
	}
	var arr []json.RawMessage
	if json.Unmarshal(doc, &arr) != nil || st.index >= len(arr) {
		return nil, false
	}
	return p[1:].eval(arr[st.index])
}

type member struct {
	key   string
	value json.RawMessage
}

// orderedMembers lists an object's members in the order they are written.
func orderedMembers(obj json.RawMessage) []member {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var out []member
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return out
		}
		key, _ := t.(string)
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			return out
		}
		out = append(out, member{key, v})
	}
	return out
}
