package asl

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/nubo-dev/nubo/internal/services/sfn/intrinsic"
)

// Template is a value of a definition that is evaluated against a state's
// scope: a JSONPath payload template (Parameters, ResultSelector,
// ItemSelector, Assign: keys ending in ".$" hold paths or intrinsic
// functions) or a JSONata one (Arguments, Output, Assign: "{% %}" strings
// anywhere), or a plain value.
type Template struct {
	Field string // the field's name in the definition ("Parameters")
	root  tnode
}

type tnode interface {
	eval(s *Scope, at string) (any, error)
}

type (
	litNode struct{ v any }
	objNode struct{ keys []objKey }
	objKey  struct {
		name string // without ".$"
		raw  string // as written
		val  tnode
	}
	arrNode  struct{ items []tnode }
	refNode  struct{ ref *Ref }
	callNode struct {
		call *intrinsic.Call
		src  string
	}
	exprNode struct{ expr *Expr }
)

// compileTemplate builds a template from a decoded JSON value. In
// JSONPath, "name.$" keys must hold a path or an intrinsic function; in
// JSONata, "{% %}" strings are expressions. bad reports a field that does
// not compile, with its key.
func compileTemplate(field string, v any, lang string, bad func(key, msg string)) *Template {
	return &Template{Field: field, root: compileNode(v, lang, bad)}
}

// Literal returns a template of a constant.
func Literal(field string, v any) *Template { return &Template{Field: field, root: litNode{v}} }

func compileNode(v any, lang string, bad func(key, msg string)) tnode {
	switch x := v.(type) {
	case map[string]any:
		n := objNode{}
		for _, k := range sortedKeys(x) {
			n.keys = append(n.keys, compileKey(k, x[k], lang, bad))
		}
		return n
	case []any:
		n := arrNode{items: make([]tnode, len(x))}
		for i, e := range x {
			n.items[i] = compileNode(e, lang, bad)
		}
		return n
	case string:
		if lang == JSONata && IsExpr(x) {
			e, err := CompileExpr(x)
			if err != nil {
				bad("", fmt.Sprintf("The JSONata expression '%s' is not valid: %v", x, err))
				return litNode{x}
			}
			return exprNode{e}
		}
	}
	return litNode{v}
}

func compileKey(k string, v any, lang string, bad func(key, msg string)) objKey {
	if lang != JSONPath || !strings.HasSuffix(k, ".$") {
		return objKey{name: k, raw: k, val: compileNode(v, lang, bad)}
	}
	key := objKey{name: strings.TrimSuffix(k, ".$"), raw: k}
	s, ok := v.(string)
	n, err := dynamicNode(s)
	if !ok || err != nil {
		bad(k, fmt.Sprintf("The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call", k))
		key.val = litNode{v}
		return key
	}
	key.val = n
	return key
}

// dynamicNode parses the value of a ".$" key: a path or an intrinsic call.
func dynamicNode(s string) (tnode, error) {
	if intrinsic.Is(s) {
		c, err := intrinsic.Parse(s)
		if err != nil {
			return nil, err
		}
		return callNode{call: c, src: s}, nil
	}
	r, err := ParseRef(s)
	if err != nil {
		return nil, err
	}
	return refNode{r}, nil
}

// Eval evaluates the template. Failures carry AWS's causes, without the
// "An error occurred while executing the state" sentence.
func (t *Template) Eval(s *Scope) (any, error) {
	return t.root.eval(s, t.Field)
}

// IsExpr reports whether the template is one JSONata expression.
func (t *Template) IsExpr() bool {
	_, ok := t.root.(exprNode)
	return ok
}

// Constant returns the template's value when it holds no expression.
func (t *Template) Constant() (any, bool) {
	l, ok := t.root.(litNode)
	return l.v, ok
}

func (n litNode) eval(*Scope, string) (any, error) { return n.v, nil }

func (n objNode) eval(s *Scope, at string) (any, error) {
	out := make(map[string]any, len(n.keys))
	for _, k := range n.keys {
		v, err := k.val.eval(s, at+"/"+k.raw)
		if err != nil {
			return nil, err
		}
		out[k.name] = v
	}
	return out, nil
}

func (n arrNode) eval(s *Scope, at string) (any, error) {
	out := make([]any, len(n.items))
	for i, e := range n.items {
		v, err := e.eval(s, fmt.Sprintf("%s[%d]", at, i))
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (n refNode) eval(s *Scope, at string) (any, error) {
	v, err := n.ref.Get(s)
	if err != nil {
		doc, _ := n.ref.doc(s)
		return nil, Failf(ErrRuntime, "The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", n.ref.Src, lastField(at), compact(doc))
	}
	return v, nil
}

// lastField is the key a template error names: the last element of at.
func lastField(at string) string {
	if i := strings.LastIndexByte(at, '/'); i >= 0 {
		return at[i+1:]
	}
	return at
}

func (n callNode) eval(s *Scope, at string) (any, error) {
	v, err := n.call.Eval(func(path string) (any, error) {
		r, err := ParseRef(path)
		if err != nil {
			return nil, err
		}
		return refNode{r}.eval(s, at)
	})
	if err != nil {
		var fe *intrinsic.FuncError
		if errors.As(err, &fe) {
			return nil, Failf(ErrIntrinsicFailure, "The value for the field '%s' could not be evaluated: %s", lastField(at), fe.Msg)
		}
		return nil, err
	}
	return v, nil
}

func (n exprNode) eval(s *Scope, at string) (any, error) {
	v, err := n.expr.Eval(s)
	var f *Failure
	switch {
	case errors.Is(err, errUndefined):
		f = Failf(ErrQueryEvaluationError, "The JSONata expression '%s' specified for the field '%s' returned nothing (undefined).", n.expr.Src, at)
	case errors.Is(err, errUnsupportedResult):
		f = Failf(ErrQueryEvaluationError, "The JSONata expression '%s' specified for the field '%s' returned an unsupported result type.", n.expr.Src, at)
	case err != nil:
		f = Failf(ErrQueryEvaluationError, "The JSONata expression '%s' specified for the field '%s' threw an error during evaluation. %s", n.expr.Src, at, jsonataCause(err))
	default:
		return v, nil
	}
	f.Location = at
	return nil, f
}

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }
