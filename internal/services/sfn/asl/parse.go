package asl

import (
	"slices"
	"strings"
)

// ParseOptions are what validation depends on beyond the definition.
type ParseOptions struct {
	// Express refuses what Express state machines cannot run: .sync and
	// .waitForTaskToken integrations and activities.
	Express bool
}

// Parse parses and validates a definition. It returns the machine when
// there is no ERROR diagnostic.
func Parse(definition string, opts ParseOptions) (*Machine, []Diagnostic) {
	w := &walker{}
	if strings.TrimSpace(definition) == "" {
		w.schema("", "Definition must be a valid JSON object")
		return nil, w.diags
	}
	v, err := decode([]byte(definition))
	if err != nil {
		w.add(CodeInvalidJSON, "", "%s", jsonErrorMessage(err))
		return nil, w.diags
	}
	m, isObj := v.(map[string]any)
	if !isObj {
		w.schema("", "Definition must be a valid JSON object")
		return nil, w.diags
	}
	p := &parser{w: w, opts: opts}
	top := obj{w: w, loc: "", m: m}
	lang := JSONPath
	if s, ok := top.str("QueryLanguage"); ok {
		if s != JSONPath && s != JSONata {
			w.schema("/QueryLanguage", "The field 'QueryLanguage' should have one of these values: [JSONPath, JSONata]")
		} else {
			lang = s
		}
	}
	p.topLang = lang
	top.only("Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage")
	machine := p.machine(top, lang)
	if machine != nil {
		machine.QueryLanguage = lang
		if t, ok := top.integer("TimeoutSeconds", 0, 99999999); ok {
			machine.TimeoutSeconds = t
		}
	}
	if v, ok := top.str("Version"); ok && v != "1.0" {
		w.schema("/Version", "The field 'Version' should have one of these values: [1.0]")
	}
	if len(w.diags) == 0 && machine != nil {
		checkGraph(w, machine, "")
	}
	if len(w.diags) > 0 {
		return nil, w.diags
	}
	return machine, nil
}

// jsonErrorMessage words a syntax error as the message of an
// INVALID_JSON_DESCRIPTION diagnostic.
func jsonErrorMessage(err error) string {
	return "Unexpected character in the definition: " + err.Error()
}

type parser struct {
	w       *walker
	opts    ParseOptions
	topLang string
}

// machine reads StartAt and States of the top level, a branch or an item
// processor at o.
func (p *parser) machine(o obj, lang string) *Machine {
	if !o.require("States", "StartAt") {
		return nil
	}
	m := &Machine{States: map[string]*State{}, QueryLanguage: lang}
	m.StartAt, _ = o.str("StartAt")
	states, ok := o.object("States")
	if !ok {
		return nil
	}
	if len(states.m) == 0 {
		p.w.schema(states.loc, "Value cannot be empty")
	}
	for _, name := range sortedKeys(states.m) {
		so, isObj := states.m[name].(map[string]any)
		if !isObj {
			states.typeError(name, "OBJECT")
			continue
		}
		if len(name) > 80 {
			p.w.schema(states.at(name), "State names must be at most 80 characters long")
		}
		if s := p.state(obj{w: p.w, loc: states.at(name), m: so}, name); s != nil {
			m.States[name] = s
		}
	}
	return m
}

// stateLanguage is the query language a state uses.
func (p *parser) stateLanguage(o obj) string {
	s, ok := o.str("QueryLanguage")
	if !ok {
		return p.topLang
	}
	switch {
	case s != JSONPath && s != JSONata:
		p.w.schema(o.at("QueryLanguage"), "The field 'QueryLanguage' should have one of these values: [JSONPath, JSONata]")
		return p.topLang
	case s == JSONPath && p.topLang == JSONata:
		p.w.schema(o.loc, "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine")
	}
	return s
}

var stateTypes = []string{TypeTask, TypeWait, TypePass, TypeSucceed, TypeFail, TypeChoice, TypeParallel, TypeMap}

func (p *parser) state(o obj, name string) *State {
	typ, ok := o.str("Type")
	if !ok {
		if !o.has("Type") {
			o.require("Type")
		}
		return nil
	}
	s := &State{Name: name, Type: typ, Language: p.stateLanguage(o)}
	fields, known := stateFields[typ]
	if !known {
		p.w.schema(o.at("Type"), "The field 'Type' should have one of these values: [%s]", strings.Join(stateTypes, ", "))
		return nil
	}
	p.checkFields(o, s.Language, fields)
	p.transition(o, s)
	switch typ {
	case TypePass:
		p.pass(o, s)
	case TypeTask:
		p.task(o, s)
	case TypeChoice:
		p.choice(o, s)
	case TypeWait:
		p.wait(o, s)
	case TypeFail:
		p.fail(o, s)
	case TypeParallel:
		p.parallel(o, s)
	case TypeMap:
		p.mapState(o, s)
	}
	p.dataFlow(o, s)
	return s
}

// Fields of each state type: common to both languages, then those of
// JSONPath only and of JSONata only.
type fieldSet struct{ common, jsonPath, jsonata []string }

var (
	flowPath    = []string{"InputPath", "OutputPath"}
	resultPath  = []string{"InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath"}
	jsonataFlow = []string{"Arguments", "Output"}
	stateFields = map[string]fieldSet{
		TypePass:     {[]string{"Next", "End", "Assign"}, []string{"InputPath", "OutputPath", "Parameters", "Result", "ResultPath"}, []string{"Output"}},
		TypeTask:     {[]string{"Next", "End", "Assign", "Resource", "Retry", "Catch", "TimeoutSeconds", "HeartbeatSeconds", "Credentials"}, append([]string{"TimeoutSecondsPath", "HeartbeatSecondsPath"}, resultPath...), jsonataFlow},
		TypeChoice:   {[]string{"Choices", "Default", "Assign"}, flowPath, []string{"Output"}},
		TypeWait:     {[]string{"Next", "End", "Assign", "Seconds", "Timestamp"}, append([]string{"SecondsPath", "TimestampPath"}, flowPath...), []string{"Output"}},
		TypeSucceed:  {nil, flowPath, []string{"Output"}},
		TypeFail:     {[]string{"Error", "Cause"}, []string{"ErrorPath", "CausePath"}, nil},
		TypeParallel: {[]string{"Next", "End", "Assign", "Branches", "Retry", "Catch"}, resultPath, jsonataFlow},
		TypeMap: {[]string{"Next", "End", "Assign", "ItemProcessor", "Iterator", "ItemSelector", "MaxConcurrency", "ToleratedFailurePercentage", "ToleratedFailureCount", "Label", "Retry", "Catch"},
			append([]string{"ItemsPath", "MaxConcurrencyPath", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath"}, resultPath...),
			[]string{"Items", "Output", "Arguments"}},
	}
)

func (p *parser) checkFields(o obj, lang string, fs fieldSet) {
	own, other, otherLang := fs.jsonPath, fs.jsonata, JSONata
	if lang == JSONata {
		own, other, otherLang = fs.jsonata, fs.jsonPath, JSONPath
	}
	for _, k := range sortedKeys(o.m) {
		switch {
		case k == "Type" || k == "Comment" || k == "QueryLanguage" || slices.Contains(fs.common, k) || slices.Contains(own, k):
		case slices.Contains(other, k):
			p.w.schema(o.loc, "The QueryLanguage is set to '%s', but field '%s' is only supported for the '%s' QueryLanguage", lang, k, otherLang)
		default:
			p.w.schema(o.loc, "Field '%s' is not supported", k)
		}
	}
}

// transition reads Next and End: every state but Choice, Succeed and Fail
// has exactly one of them.
func (p *parser) transition(o obj, s *State) {
	s.Next, _ = o.str("Next")
	s.End, _ = o.boolean("End")
	switch s.Type {
	case TypeChoice, TypeSucceed, TypeFail:
		return
	}
	switch {
	case o.has("Next") && s.End:
		p.w.schema(o.loc, "Only one of 'Next' or 'End' can be specified")
	case !o.has("Next") && !s.End:
		p.w.schema(o.loc, "Either 'Next' or 'End' must be specified")
	}
}

// dataFlow reads the fields that shape input and output.
func (p *parser) dataFlow(o obj, s *State) {
	s.Assign = o.template("Assign", s.Language)
	if s.Assign != nil {
		if _, isObj := o.m["Assign"].(map[string]any); !isObj {
			o.typeError("Assign", "OBJECT")
		} else {
			p.checkVarNames(obj{w: p.w, loc: o.at("Assign"), m: o.m["Assign"].(map[string]any)}, s.Language)
		}
	}
	if s.Language == JSONata {
		s.Arguments = o.template("Arguments", JSONata)
		s.Output = o.template("Output", JSONata)
		return
	}
	s.InputPath = o.ioPath("InputPath", false)
	s.OutputPath = o.ioPath("OutputPath", false)
	s.ResultPath = o.ioPath("ResultPath", true)
	s.Parameters = p.payload(o, "Parameters")
	s.ResultSelector = p.payload(o, "ResultSelector")
}

// payload reads a JSONPath payload template, which must be an object.
func (p *parser) payload(o obj, field string) *Template {
	if _, ok := o.m[field]; !ok {
		return nil
	}
	if _, isObj := o.m[field].(map[string]any); !isObj && field != "Parameters" {
		o.typeError(field, "OBJECT")
		return nil
	}
	return o.template(field, JSONPath)
}

// checkVarNames checks the names Assign sets.
func (p *parser) checkVarNames(o obj, lang string) {
	for _, k := range sortedKeys(o.m) {
		name := k
		if lang == JSONPath {
			name = strings.TrimSuffix(k, ".$")
		}
		if !validVarName(name) {
			p.w.schema(o.at(k), "The variable name '%s' is not valid", name)
		}
	}
}

func (p *parser) pass(o obj, s *State) {
	if v, ok := o.m["Result"]; ok {
		s.Result, s.HasResult = v, true
	}
}

func (p *parser) fail(o obj, s *State) {
	s.Error = o.valueOrExpr("Error", s.Language, "STRING")
	s.Cause = o.valueOrExpr("Cause", s.Language, "STRING")
	s.ErrorPath = p.pathOrCall(o, "ErrorPath")
	s.CausePath = p.pathOrCall(o, "CausePath")
	if s.Error != nil && s.ErrorPath != nil {
		p.w.schema(o.loc, "Only one of 'Error' or 'ErrorPath' can be specified")
	}
	if s.Cause != nil && s.CausePath != nil {
		p.w.schema(o.loc, "Only one of 'Cause' or 'CausePath' can be specified")
	}
}

// pathOrCall reads a field that holds a path or an intrinsic function.
func (p *parser) pathOrCall(o obj, field string) *Template {
	s, ok := o.str(field)
	if !ok {
		return nil
	}
	n, err := dynamicNode(s)
	if err != nil {
		p.w.schema(o.at(field), "The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call", field)
		return nil
	}
	return &Template{Field: field, root: n}
}
