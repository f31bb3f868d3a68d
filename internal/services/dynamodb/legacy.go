package dynamodb

import (
	"sort"

	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/expr"
)

// The legacy parameters (Expected, AttributeUpdates, KeyConditions,
// QueryFilter, ScanFilter, AttributesToGet, ConditionalOperator) are
// translated into the expression trees the expression parameters give, so
// one evaluator serves both.

func mixed(legacy, expression string) error {
	return validation("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {%s} Expression parameters: {%s}", legacy, expression)
}

// conditionOf is a write's condition: ConditionExpression, or Expected.
func conditionOf(names map[string]string, values map[string]AttributeValue, cond string, expected map[string]ExpectedAttributeValue, op string) (expr.Cond, error) {
	if expected != nil && cond != "" {
		return nil, mixed("Expected", "ConditionExpression")
	}
	if expected != nil {
		if names != nil || values != nil {
			return nil, validation("ExpressionAttributeNames can only be specified when using expressions")
		}
		return legacyExpected(expected, op)
	}
	r, err := parseExpressions(names, values, expr.KindCondition, cond, "", "")
	if err != nil {
		return nil, err
	}
	return r.cond, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// combine joins conditions with ConditionalOperator (AND by default).
func combine(conds []expr.Cond, op string) (expr.Cond, error) {
	if op != "" && op != "AND" && op != "OR" {
		return nil, validation("1 validation error detected: Value '%s' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]", op)
	}
	var c expr.Cond
	for _, x := range conds {
		switch {
		case c == nil:
			c = x
		case op == "OR":
			c = &expr.Or{L: c, R: x}
		default:
			c = &expr.And{L: c, R: x}
		}
	}
	return c, nil
}

func legacyExpected(expected map[string]ExpectedAttributeValue, op string) (expr.Cond, error) {
	var conds []expr.Cond
	for _, name := range sortedKeys(expected) {
		e := expected[name]
		path := &expr.PathOperand{Path: expr.Path{{Name: name}}}
		var c expr.Cond
		var err error
		switch {
		case e.ComparisonOperator != "":
			list := e.AttributeValueList
			if e.Value != nil {
				list = []AttributeValue{*e.Value}
			}
			c, err = legacyCondition(name, Condition{ComparisonOperator: e.ComparisonOperator, AttributeValueList: list})
		case e.Exists != nil && !*e.Exists:
			if e.Value != nil {
				return nil, validation("One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: %s", name)
			}
			c = &expr.Func{Name: "attribute_not_exists", Args: []expr.Operand{path}}
		case e.Value != nil:
			c = &expr.Compare{Op: "=", L: path, R: &expr.ValueOperand{Value: *e.Value}}
		default:
			return nil, validation("One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: %s", name)
		}
		if err != nil {
			return nil, err
		}
		conds = append(conds, c)
	}
	return combine(conds, op)
}

// legacyOperands is how many values each comparison operator takes (-1:
// one or more).
var legacyOperands = map[string]int{
	"EQ": 1, "NE": 1, "LE": 1, "LT": 1, "GE": 1, "GT": 1, "NOT_NULL": 0, "NULL": 0,
	"CONTAINS": 1, "NOT_CONTAINS": 1, "BEGINS_WITH": 1, "IN": -1, "BETWEEN": 2,
}

var legacyComparators = map[string]string{"EQ": "=", "NE": "<>", "LE": "<=", "LT": "<", "GE": ">=", "GT": ">"}

// legacyCondition is one attribute's Condition as an expression.
func legacyCondition(name string, c Condition) (expr.Cond, error) {
	n, ok := legacyOperands[c.ComparisonOperator]
	if !ok {
		return nil, validation("1 validation error detected: Value '%s' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]", c.ComparisonOperator)
	}
	if (n >= 0 && len(c.AttributeValueList) != n) || (n < 0 && len(c.AttributeValueList) == 0) {
		return nil, validation("One or more parameter values were invalid: Invalid number of argument(s) for the %s ComparisonOperator", c.ComparisonOperator)
	}
	for _, v := range c.AttributeValueList {
		if m := v.Validate(); m != "" {
			return nil, invalid(m)
		}
	}
	path := &expr.PathOperand{Path: expr.Path{{Name: name}}}
	val := func(i int) expr.Operand { return &expr.ValueOperand{Value: c.AttributeValueList[i]} }
	switch c.ComparisonOperator {
	case "NOT_NULL":
		return &expr.Func{Name: "attribute_exists", Args: []expr.Operand{path}}, nil
	case "NULL":
		return &expr.Func{Name: "attribute_not_exists", Args: []expr.Operand{path}}, nil
	case "CONTAINS":
		return &expr.Func{Name: "contains", Args: []expr.Operand{path, val(0)}}, nil
	case "NOT_CONTAINS":
		return &expr.And{L: &expr.Func{Name: "attribute_exists", Args: []expr.Operand{path}}, R: &expr.Not{C: &expr.Func{Name: "contains", Args: []expr.Operand{path, val(0)}}}}, nil
	case "BEGINS_WITH":
		return &expr.Func{Name: "begins_with", Args: []expr.Operand{path, val(0)}}, nil
	case "IN":
		list := make([]expr.Operand, len(c.AttributeValueList))
		for i := range list {
			list[i] = val(i)
		}
		return &expr.In{V: path, List: list}, nil
	case "BETWEEN":
		return &expr.Between{V: path, Lo: val(0), Hi: val(1)}, nil
	}
	return &expr.Compare{Op: legacyComparators[c.ComparisonOperator], L: path, R: val(0)}, nil
}

// legacyFilter is a QueryFilter or ScanFilter as one condition.
func legacyFilter(filter map[string]Condition, op string) (expr.Cond, error) {
	var conds []expr.Cond
	for _, name := range sortedKeys(filter) {
		c, err := legacyCondition(name, filter[name])
		if err != nil {
			return nil, err
		}
		conds = append(conds, c)
	}
	return combine(conds, op)
}

// projectionOf is a read's projection: ProjectionExpression, or
// AttributesToGet.
func projectionOf(names map[string]string, proj string, toGet []string) (*request, error) {
	if toGet != nil && proj != "" {
		return nil, mixed("AttributesToGet", "ProjectionExpression")
	}
	if toGet != nil {
		r := &request{}
		for _, a := range toGet {
			r.proj = append(r.proj, expr.Path{{Name: a}})
		}
		return r, nil
	}
	return parseExpressions(names, nil, "", "", "", proj)
}

// updater is an update: an UpdateExpression or AttributeUpdates.
type updater interface {
	paths() []expr.Path
	apply(attr.Item) (attr.Item, error)
}

type exprUpdate struct{ u *expr.Update }

func (e exprUpdate) paths() []expr.Path                   { return e.u.Paths() }
func (e exprUpdate) apply(i attr.Item) (attr.Item, error) { return e.u.Apply(i) }

// updateOf parses an UpdateItem request's update and condition.
func updateOf(t *table, in *UpdateItemInput) (updater, expr.Cond, error) {
	if in.AttributeUpdates != nil && in.UpdateExpression != "" {
		return nil, nil, mixed("AttributeUpdates", "UpdateExpression")
	}
	if in.Expected != nil && (in.UpdateExpression != "" || in.ConditionExpression != "") {
		return nil, nil, mixed("Expected", "UpdateExpression, ConditionExpression")
	}
	if in.AttributeUpdates != nil || in.Expected != nil {
		if in.ConditionExpression != "" {
			return nil, nil, mixed("AttributeUpdates", "ConditionExpression")
		}
		var cond expr.Cond
		var err error
		if in.Expected != nil {
			if cond, err = legacyExpected(in.Expected, in.ConditionalOperator); err != nil {
				return nil, nil, err
			}
		}
		u, err := legacyUpdate(in.AttributeUpdates)
		return u, cond, err
	}
	r, err := parseExpressions(in.ExpressionAttributeNames, in.ExpressionAttributeValues, expr.KindCondition, in.ConditionExpression, in.UpdateExpression, "")
	if err != nil {
		return nil, nil, err
	}
	if r.update == nil {
		r.update = &expr.Update{}
	}
	return exprUpdate{r.update}, r.cond, nil
}

// legacyUpdate turns AttributeUpdates into update actions.
func legacyUpdate(updates map[string]AttributeValueUpdate) (updater, error) {
	u := &expr.Update{}
	for _, name := range sortedKeys(updates) {
		a := updates[name]
		path := expr.Path{{Name: name}}
		if a.Value != nil {
			if m := a.Value.Validate(); m != "" {
				return nil, invalid(m)
			}
		}
		switch a.Action {
		case "", "PUT":
			if a.Value == nil {
				return nil, validation("One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified")
			}
			u.Actions = append(u.Actions, expr.Action{Kind: "SET", Path: path, Value: &expr.ValueOperand{Value: *a.Value}})
		case "DELETE":
			if a.Value == nil {
				u.Actions = append(u.Actions, expr.Action{Kind: "REMOVE", Path: path})
				continue
			}
			if a.Value.T != attr.SS && a.Value.T != attr.NS && a.Value.T != attr.BS {
				return nil, validation("One or more parameter values were invalid: DELETE action with value is not supported for the type %s", a.Value.T)
			}
			u.Actions = append(u.Actions, expr.Action{Kind: "DELETE", Path: path, Value: &expr.ValueOperand{Value: *a.Value}})
		case "ADD":
			if a.Value == nil || (a.Value.T != attr.N && a.Value.T != attr.SS && a.Value.T != attr.NS && a.Value.T != attr.BS) {
				return nil, validation("One or more parameter values were invalid: ADD action is not supported for the type %s", typeOrNull(a.Value))
			}
			u.Actions = append(u.Actions, expr.Action{Kind: "ADD", Path: path, Value: &expr.ValueOperand{Value: *a.Value}})
		default:
			return nil, validation("1 validation error detected: Value '%s' at 'attributeUpdates.%s.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]", a.Action, name)
		}
	}
	return exprUpdate{u}, nil
}

func typeOrNull(v *AttributeValue) string {
	if v == nil {
		return "null"
	}
	return v.T.String()
}
