package eventfilter

import (
	"encoding/json"
	"errors"
	"strconv"
)

// valueKind is the JSON type of an event's value.
type valueKind uint8

const (
	vString valueKind = iota
	vNumber
	vTrue
	vFalse
	vNull
)

// leaf is one scalar of an event, at a path of keys joined by dots: the
// Ruler's view of an event. Arrays are flattened into several leaves at the
// same path, each remembering which element of which array it is in.
type leaf struct {
	kind  valueKind
	text  string // the string, or the number's literal text
	num   int64  // a number's comparable key, when numOK
	numOK bool
	mem   []arrayPos

	// computed when first needed
	folded   string
	hasFold  bool
	ip       ipAddr
	ipParsed bool
	ipOK     bool
}

// arrayPos says a leaf is inside element idx of the event's array id.
type arrayPos struct{ id, idx int32 }

func (l *leaf) fold() string {
	if !l.hasFold {
		l.folded, l.hasFold = fold(l.text), true
	}
	return l.folded
}

func (l *leaf) addr() (ipAddr, bool) {
	if !l.ipParsed {
		a, st := parseIP(l.text)
		l.ip, l.ipOK, l.ipParsed = a, st == ipValid, true
	}
	return l.ip, l.ipOK
}

// flatEvent is an event's leaves by path, the paths in the order met.
type flatEvent struct {
	paths  []string
	leaves [][]leaf
	index  map[string]int32
	arrays int32
}

// get is the leaves at a path.
func (ev *flatEvent) get(path string) []leaf {
	if i, ok := ev.index[path]; ok {
		return ev.leaves[i]
	}
	return nil
}

// Event is an event prepared for matching, so that one event can be matched
// against many patterns (or a Machine) without being parsed again. It is
// not safe for concurrent use: matching caches derived values in it.
type Event struct{ ev *flatEvent }

// ParseEvent parses a JSON event. Anything but a JSON object has no fields.
func ParseEvent(data []byte) (*Event, error) {
	ev, err := flattenJSON(data)
	if err != nil {
		return nil, err
	}
	return &Event{ev: ev}, nil
}

// MatchEvent reports whether a parsed event matches the pattern.
func (p *Pattern) MatchEvent(e *Event) bool { return p.matchFlat(e.ev) }

func newFlatEvent() *flatEvent { return &flatEvent{index: map[string]int32{}} }

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// inside returns mem extended by one array position, never sharing
// memory with mem.
func inside(mem []arrayPos, id, idx int32) []arrayPos {
	out := make([]arrayPos, len(mem)+1)
	copy(out, mem)
	out[len(mem)] = arrayPos{id, idx}
	return out
}

func (ev *flatEvent) add(path string, l leaf) {
	i, ok := ev.index[path]
	if !ok {
		i = int32(len(ev.paths))
		ev.index[path] = i
		ev.paths, ev.leaves = append(ev.paths, path), append(ev.leaves, nil)
	}
	ev.leaves[i] = append(ev.leaves[i], l)
}

func numberLeaf(text string) leaf {
	l := leaf{kind: vNumber, text: text}
	l.num, l.numOK = numberKey(text, comparableLimit)
	return l
}

var errNotJSON = errors.New("eventfilter: event is not valid JSON")

// flattenJSON parses a JSON text into leaves.
func flattenJSON(data []byte) (*flatEvent, error) {
	lx := newLexer(data)
	ev := newFlatEvent()
	t, err := lx.nextToken()
	if err != nil || t == tEOF {
		return nil, errNotJSON
	}
	if err := ev.walk(lx, t, "", nil, t == tStartObject, 0); err != nil {
		return nil, errNotJSON
	}
	lx.skipWS()
	if lx.pos != len(lx.src) {
		return nil, errNotJSON
	}
	return ev, nil
}

// walk reads the value starting with token t at path; keep is false for
// the contents of a root that is not an object.
func (ev *flatEvent) walk(lx *lexer, t tok, path string, mem []arrayPos, keep bool, depth int) *Error {
	if depth > maxDepth {
		return lx.fail("nesting too deep")
	}
	switch t {
	case tStartObject:
		return ev.walkObject(lx, path, mem, keep, depth)
	case tStartArray:
		return ev.walkArray(lx, path, mem, keep, depth)
	case tString:
		s, err := lx.getText()
		if err != nil {
			return err
		}
		if keep {
			ev.add(path, leaf{kind: vString, text: s, mem: mem})
		}
	case tNumber:
		if keep {
			l := numberLeaf(lx.text)
			l.mem = mem
			ev.add(path, l)
		}
	case tTrue, tFalse, tNull:
		if keep {
			ev.add(path, leaf{kind: literalKind(t), mem: mem})
		}
	default:
		return lx.fail("unexpected token")
	}
	return nil
}

func (ev *flatEvent) walkObject(lx *lexer, path string, mem []arrayPos, keep bool, depth int) *Error {
	for {
		t, err := lx.nextToken()
		if err != nil || t == tEndObject {
			return err
		}
		name := lx.text
		if t, err = lx.nextToken(); err != nil {
			return err
		}
		if err := ev.walk(lx, t, join(path, name), mem, keep, depth+1); err != nil {
			return err
		}
	}
}

// walkArray flattens an array's elements to its path, each remembering
// its place in this array.
func (ev *flatEvent) walkArray(lx *lexer, path string, mem []arrayPos, keep bool, depth int) *Error {
	id := ev.arrays
	ev.arrays++
	for idx := int32(0); ; idx++ {
		t, err := lx.nextToken()
		if err != nil || t == tEndArray {
			return err
		}
		if err := ev.walk(lx, t, path, inside(mem, id, idx), keep, depth+1); err != nil {
			return err
		}
	}
}

func literalKind(t tok) valueKind {
	switch t {
	case tTrue:
		return vTrue
	case tFalse:
		return vFalse
	}
	return vNull
}

// flattenValue flattens an event already decoded from JSON.
func flattenValue(v any) *flatEvent {
	ev := newFlatEvent()
	if obj, ok := v.(map[string]any); ok {
		for k, x := range obj {
			ev.walkValue(x, k, nil)
		}
	}
	return ev
}

func (ev *flatEvent) walkValue(v any, path string, mem []arrayPos) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			ev.walkValue(x, join(path, k), mem)
		}
	case []any:
		id := ev.arrays
		ev.arrays++
		for i, x := range v {
			ev.walkValue(x, path, inside(mem, id, int32(i)))
		}
	case string:
		ev.add(path, leaf{kind: vString, text: v, mem: mem})
	case json.Number:
		l := numberLeaf(string(v))
		l.mem = mem
		ev.add(path, l)
	case float64:
		l := numberLeaf(strconv.FormatFloat(v, 'g', -1, 64))
		l.mem = mem
		ev.add(path, l)
	case int:
		l := numberLeaf(strconv.Itoa(v))
		l.mem = mem
		ev.add(path, l)
	case bool:
		k := vFalse
		if v {
			k = vTrue
		}
		ev.add(path, leaf{kind: k, mem: mem})
	case nil:
		ev.add(path, leaf{kind: vNull, mem: mem})
	}
}
