package asl

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

func (p *parser) mapState(o obj, s *State) {
	field := "ItemProcessor"
	if !o.has(field) && o.has("Iterator") {
		field = "Iterator"
	}
	if o.has("ItemProcessor") && o.has("Iterator") {
		p.w.schema(o.loc, "Only one of 'ItemProcessor' or 'Iterator' can be specified")
	}
	if !o.has(field) {
		o.require("ItemProcessor")
	}
	if po, ok := o.object(field); ok {
		po.only("StartAt", "States", "Comment", "ProcessorConfig")
		s.Processor = p.machine(po, s.Language)
		if cfg, ok := po.object("ProcessorConfig"); ok {
			cfg.only("Mode", "ExecutionType")
			if mode, ok := cfg.str("Mode"); ok {
				if mode != "INLINE" && mode != "DISTRIBUTED" {
					p.w.schema(cfg.at("Mode"), "The field 'Mode' should have one of these values: [INLINE, DISTRIBUTED]")
				}
				s.Distributed = mode == "DISTRIBUTED"
			}
			if et, ok := cfg.str("ExecutionType"); ok && et != "STANDARD" && et != "EXPRESS" {
				p.w.schema(cfg.at("ExecutionType"), "The field 'ExecutionType' should have one of these values: [STANDARD, EXPRESS]")
			}
		}
	}
	if s.Language == JSONPath {
		s.ItemsPath = o.ref("ItemsPath")
		if o.has("Parameters") && o.has("ItemSelector") {
			p.w.schema(o.loc, "Only one of 'Parameters' or 'ItemSelector' can be specified")
		}
		s.ItemSelector = p.payload(o, "ItemSelector")
		if s.ItemSelector == nil {
			// Parameters is the Map state's legacy name for ItemSelector.
			s.ItemSelector = p.payload(o, "Parameters")
			delete(o.m, "Parameters")
		}
		s.MaxConcurrencyRef = o.refPath("MaxConcurrencyPath")
		s.TolPercentRef = o.refPath("ToleratedFailurePercentagePath")
		s.TolCountRef = o.refPath("ToleratedFailureCountPath")
	} else {
		s.Items = o.template("Items", JSONata)
		s.ItemSelector = o.template("ItemSelector", JSONata)
	}
	s.MaxConcurrency = o.valueOrExpr("MaxConcurrency", s.Language, "INTEGER")
	if n, ok := s.MaxConcurrency.constInt(); ok && n < 0 {
		p.w.schema(o.at("MaxConcurrency"), "The value for the field 'MaxConcurrency' must be between 0 and 2147483647")
	}
	if s.MaxConcurrency != nil && s.MaxConcurrencyRef != nil {
		p.w.schema(o.loc, "A Map state cannot include both field 'MaxConcurrency' and MaxConcurrencyPath")
	}
	s.ToleratedPercent = o.valueOrExpr("ToleratedFailurePercentage", s.Language, "NUMBER")
	s.ToleratedCount = o.valueOrExpr("ToleratedFailureCount", s.Language, "INTEGER")
	s.Label, _ = o.str("Label")
	s.Retry = p.retriers(o)
	s.Catch = p.catchers(o, s.Language)
}

// MapConfig is what a Map state's run needs, evaluated against its input.
type MapConfig struct {
	Items          []any
	MaxConcurrency int   // 0: unbounded
	TolCount       int64 // -1: none
	TolPercent     float64
	HasTolPercent  bool
}

// EvalMap evaluates a Map state's items and limits. input is the state's
// effective input (after InputPath in JSONPath).
func (st *State) EvalMap(sc *Scope) (*MapConfig, error) {
	cfg := &MapConfig{TolCount: -1}
	items, err := st.mapItems(sc)
	if err != nil {
		return nil, err
	}
	cfg.Items = items
	n, err := st.intOption(sc, st.MaxConcurrency, st.MaxConcurrencyRef, "MaxConcurrencyPath")
	if err != nil {
		return nil, err
	}
	if n != nil {
		cfg.MaxConcurrency = int(*n)
	}
	if n, err = st.intOption(sc, st.ToleratedCount, st.TolCountRef, "ToleratedFailureCountPath"); err != nil {
		return nil, err
	}
	if n != nil {
		if *n < 0 {
			return nil, Failf(ErrRuntime, "ToleratedFailureCount cannot be negative.")
		}
		cfg.TolCount = *n
	}
	return cfg, st.tolPercent(sc, cfg)
}

func (st *State) mapItems(sc *Scope) ([]any, error) {
	var v any = sc.Input
	var err error
	switch {
	case st.Items != nil:
		if v, err = st.Items.Eval(sc); err != nil {
			return nil, err
		}
		if arr, ok := v.([]any); ok {
			return arr, nil
		}
		if st.Items.IsExpr() {
			return nil, Failf(ErrQueryEvaluationError, "The JSONata expression '%s' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '%s' for value: %s",
				st.Items.root.(exprNode).expr.Src, jsonType(v), compact(v)).At("Items")
		}
	case st.ItemsPath != nil:
		if v, err = st.ItemsPath.getInvalidPath(sc); err != nil {
			return nil, err
		}
		if _, ok := v.([]any); !ok {
			return nil, Failf(ErrRuntime, "Reference path \"%s\" must point to array.", st.ItemsPath.Src)
		}
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, Failf(ErrQueryEvaluationError, "Map state input must be an array but was: %s", compact(v))
	}
	return arr, nil
}

// intOption evaluates a whole-number option given as a value, a JSONata
// expression or a path.
func (st *State) intOption(sc *Scope, t *Template, ref *Ref, pathField string) (*int64, error) {
	var v any
	var err error
	switch {
	case t != nil:
		if v, err = t.Eval(sc); err != nil {
			return nil, err
		}
	case ref != nil:
		if v, err = ref.getInvalidPath(sc); err != nil {
			return nil, err
		}
	default:
		return nil, nil
	}
	f, ok := numberOf(v)
	if !ok || f != math.Trunc(f) {
		if ref != nil {
			return nil, Failf(ErrRuntime, "The %s field refers to value \"%s\" which is not a valid integer: %s", pathField, rawText(v), ref.Src)
		}
		return nil, Failf(ErrQueryEvaluationError, "The field '%s' must evaluate to an integer, but was: %s", t.Field, compact(v))
	}
	n := int64(f)
	return &n, nil
}

func (st *State) tolPercent(sc *Scope, cfg *MapConfig) error {
	var v any
	var err error
	switch {
	case st.ToleratedPercent != nil:
		v, err = st.ToleratedPercent.Eval(sc)
	case st.TolPercentRef != nil:
		v, err = st.TolPercentRef.getInvalidPath(sc)
	default:
		return nil
	}
	if err != nil {
		return err
	}
	f, ok := numberOf(v)
	if !ok {
		return Failf(ErrRuntime, "The ToleratedFailurePercentagePath field refers to value \"%s\" which is not a valid float: %s", rawText(v), refSrc(st.TolPercentRef))
	}
	if f < 0 || f > 100 {
		return Failf(ErrRuntime, "ToleratedFailurePercentage must be between 0 and 100.")
	}
	cfg.TolPercent, cfg.HasTolPercent = f, true
	return nil
}

// Tolerated reports whether failed failures of total items stay within the
// Map state's tolerance.
func (c *MapConfig) Tolerated(failed, total int) bool {
	switch {
	case failed == 0:
		return true
	case c.TolCount < 0 && !c.HasTolPercent:
		return false
	case c.TolCount >= 0 && int64(failed) > c.TolCount:
		return false
	case c.HasTolPercent && float64(failed)*100/float64(total) > c.TolPercent:
		return false
	}
	return true
}

func refSrc(r *Ref) string {
	if r == nil {
		return ""
	}
	return r.Src
}

// rawText renders a value as a cause quotes it: strings bare, the rest as
// JSON.
func rawText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return compact(v)
}

// jsonType names a value's JSON type.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	if _, ok := numberOf(v); ok {
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

// MapItemContext is the $$.Map.Item of an iteration.
func MapItemContext(index int, value any) map[string]any {
	return map[string]any{"Index": jsonNumber(int64(index)), "Value": value}
}

func jsonNumber(n int64) any { return json.Number(strconv.FormatInt(n, 10)) }
