package expr

import (
	"encoding/json"
	"testing"

	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
)

func item(t testing.TB, js string) attr.Item {
	t.Helper()
	var m attr.Item
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

var testItem = `{
	"pk": {"S": "user#1"}, "age": {"N": "42"}, "name": {"S": "Ada Lovelace"},
	"tags": {"SS": ["a", "b"]}, "scores": {"NS": ["1", "2.5"]}, "bin": {"B": "AAEC"},
	"active": {"BOOL": true}, "nothing": {"NULL": true},
	"lst": {"L": [{"S": "x"}, {"N": "7"}, {"M": {"deep": {"S": "yes"}}}]},
	"mp": {"M": {"a": {"N": "1"}, "b": {"M": {"c": {"S": "hi"}}}, "with space": {"S": "s"}}}
}`

var testValues = `{
	":42": {"N": "42"}, ":41": {"N": "41"}, ":43": {"N": "43"}, ":s": {"S": "Ada"}, ":x": {"S": "x"},
	":a": {"S": "a"}, ":n1": {"N": "1"}, ":n7": {"N": "7"}, ":hi": {"S": "hi"}, ":S": {"S": "S"},
	":SS": {"S": "SS"}, ":bad": {"S": "XX"}, ":b01": {"B": "AAE="}, ":lst": {"L": [{"S": "x"}]},
	":ada": {"S": "Ada Lovelace"}, ":three": {"N": "3"}, ":twelve": {"N": "12"}, ":m": {"M": {"c": {"S": "hi"}}}
}`

func newCtx(t testing.TB) *Context {
	var values map[string]attr.Value
	if err := json.Unmarshal([]byte(testValues), &values); err != nil {
		t.Fatal(err)
	}
	return NewContext(map[string]string{"#n": "name", "#status": "status", "#sp": "with space", "#m": "mp"}, values)
}

func TestConditions(t *testing.T) {
	it := item(t, testItem)
	tests := []struct {
		expr string
		want bool
	}{
		{"age = :42", true},
		{"age <> :42", false},
		{"age < :43", true},
		{"age <= :42", true},
		{"age > :41", true},
		{"age >= :43", false},
		{":42 = age", true},
		{"age BETWEEN :41 AND :43", true},
		{"age between :43 and :43", false},
		{"age IN (:41, :42)", true},
		{"age IN (:41)", false},
		{"#n = :ada", true},
		{"#n < :s", false},
		{"#n > :s", true},
		{"absent = :42", false},
		{"absent <> :42", true},
		{"age = :s", false},
		{"age < :s", false},
		{"attribute_exists(age)", true},
		{"attribute_exists(absent)", false},
		{"attribute_not_exists(absent)", true},
		{"attribute_exists(mp.b.c)", true},
		{"attribute_exists(lst[2].deep)", true},
		{"attribute_exists(lst[3])", false},
		{"attribute_exists(#m.#sp)", true},
		{"attribute_type(tags, :SS)", true},
		{"attribute_type(tags, :S)", false},
		{"begins_with(#n, :s)", true},
		{"begins_with(#n, :x)", false},
		{"begins_with(bin, :b01)", true},
		{"contains(#n, :s)", true},
		{"contains(tags, :a)", true},
		{"contains(tags, :x)", false},
		{"contains(scores, :n1)", true},
		{"contains(lst, :x)", true},
		{"contains(lst, :n7)", true},
		{"size(#n) = :twelve", true},
		{"size(tags) < :three", true},
		{"size(lst) = :three", true},
		{"size(absent) = :three", false},
		{"lst[1] = :n7", true},
		{"mp.b.c = :hi", true},
		{"mp.b = :m", true},
		{"NOT age = :42", false},
		{"not (age = :41 or age = :43)", true},
		{"age = :41 OR age = :42 AND #n = :s", false},
		{"(age = :41 OR age = :42) AND #n = :ada", true},
		{"age = :42 AND NOT attribute_exists(absent) AND contains(tags, :a)", true},
		{"active = active", true},
		{"nothing = nothing", true},
	}
	for _, tt := range tests {
		c, err := ParseCondition(newCtx(t), KindCondition, tt.expr)
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if got := Eval(c, it); got != tt.want {
			t.Errorf("%s = %v, want %v", tt.expr, got, tt.want)
		}
	}
}

func TestConditionErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"", "Invalid ConditionExpression: The expression can not be empty;"},
		{"age =", `Invalid ConditionExpression: Syntax error; token: <EOF>, near: "="`},
		{"age = = :42", `Invalid ConditionExpression: Syntax error; token: "=", near: "= = :42"`},
		{"age == :42", `Invalid ConditionExpression: Syntax error; token: "=", near: "== :42"`},
		{"age = :42 :41", `Invalid ConditionExpression: Syntax error; token: ":41", near: ":42 :41"`},
		{"(age = :42", `Invalid ConditionExpression: Syntax error; token: <EOF>, near: ":42"`},
		{"age $ :42", `Invalid ConditionExpression: Syntax error; token: "$", near: "age $ :42"`},
		{"status = :42", "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status"},
		{"#nope = :42", "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #nope"},
		{"age = :nope", "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :nope"},
		{"foo(age)", "Invalid ConditionExpression: Invalid function name; function: foo"},
		{"attribute_exists(age, :42)", "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2"},
		{"attribute_exists(:42)", "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists"},
		{"begins_with(#n, :42)", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{"attribute_type(age, :bad)", "Invalid ConditionExpression: Invalid attribute type name found; type: XX, valid types: { B,NULL,SS,BOOL,L,BS,N,NS,S,M }"},
		{"attribute_type(age, :42)", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N"},
		{"size(:s) = :42", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: size, operand type: S"},
		{"if_not_exists(age, :42) = :42", "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: if_not_exists"},
		{"age BETWEEN :43 AND :41", "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:43}, upper bound operand: AttributeValue: {N:41}"},
		{"lst[x] = :42", `Invalid ConditionExpression: Syntax error; token: "x", near: "[x]"`},
		{"age", `Invalid ConditionExpression: Syntax error; token: <EOF>, near: "age"`},
	}
	for _, tt := range tests {
		_, err := ParseCondition(newCtx(t), KindCondition, tt.expr)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q:\n got  %v\n want %s", tt.expr, err, tt.want)
		}
	}
}

func TestUnused(t *testing.T) {
	ctx := NewContext(map[string]string{"#a": "a", "#b": "b"}, map[string]attr.Value{":v": attr.Str("x"), ":w": attr.Str("y")})
	if _, err := ParseCondition(ctx, KindCondition, "#a = :v"); err != nil {
		t.Fatal(err)
	}
	if err := ctx.CheckUnused(); err == nil || err.Error() != "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}" {
		t.Errorf("unused names: %v", err)
	}
	if _, err := ParseCondition(ctx, KindCondition, "#b = :v"); err != nil {
		t.Fatal(err)
	}
	if err := ctx.CheckUnused(); err == nil || err.Error() != "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}" {
		t.Errorf("unused values: %v", err)
	}
}

func TestUpdate(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"SET age = :43", `{"age":{"N":"43"}}`},
		{"SET age = age + :n1", `{"age":{"N":"43"}}`},
		{"SET age = age - :42", `{"age":{"N":"0"}}`},
		{"SET newnum = if_not_exists(newnum, :n7)", `{"newnum":{"N":"7"}}`},
		{"SET age = if_not_exists(age, :n7)", `{"age":{"N":"42"}}`},
		{"SET lst = list_append(lst, :lst)", `{"lst":{"L":[{"S":"x"},{"N":"7"},{"M":{"deep":{"S":"yes"}}},{"S":"x"}]}}`},
		{"SET lst = list_append(:lst, lst)", `{"lst":{"L":[{"S":"x"},{"S":"x"},{"N":"7"},{"M":{"deep":{"S":"yes"}}}]}}`},
		{"SET lst[1] = :x", `{"lst":{"L":[{"S":"x"},{"S":"x"},{"M":{"deep":{"S":"yes"}}}]}}`},
		{"SET lst[10] = :x", `{"lst":{"L":[{"S":"x"},{"N":"7"},{"M":{"deep":{"S":"yes"}}},{"S":"x"}]}}`},
		{"SET mp.b.c = :a, mp.z = :n1", `{"mp":{"M":{"a":{"N":"1"},"b":{"M":{"c":{"S":"a"}}},"with space":{"S":"s"},"z":{"N":"1"}}}}`},
		{"SET lst[2].deep = :a", `{"lst":{"L":[{"S":"x"},{"N":"7"},{"M":{"deep":{"S":"a"}}}]}}`},
		{"SET dup = #n", `{"dup":{"S":"Ada Lovelace"}}`},
		{"REMOVE age, absent", `{"age":null}`},
		{"REMOVE lst[0], lst[2]", `{"lst":{"L":[{"N":"7"}]}}`},
		{"REMOVE mp.b.c", `{"mp":{"M":{"a":{"N":"1"},"b":{"M":{}},"with space":{"S":"s"}}}}`},
		{"ADD age :n1", `{"age":{"N":"43"}}`},
		{"ADD fresh :n1", `{"fresh":{"N":"1"}}`},
		{"ADD tags :abset", `{"tags":{"SS":["a","b","c"]}}`},
		{"DELETE tags :aset", `{"tags":{"SS":["b"]}}`},
		{"DELETE tags :abset", `{"tags":null}`},
		{"set age = :43 remove #n add fresh :n1", `{"age":{"N":"43"},"fresh":{"N":"1"},"name":null}`},
	}
	for _, tt := range tests {
		ctx := newCtx(t)
		ctx.Values[":abset"] = attr.Value{T: attr.SS, Set: []string{"b", "c", "a"}}
		ctx.Values[":aset"] = attr.Value{T: attr.SS, Set: []string{"a"}}
		u, err := ParseUpdate(ctx, tt.expr)
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		before := item(t, testItem)
		got, err := u.Apply(before)
		if err != nil {
			t.Errorf("%s: apply: %v", tt.expr, err)
			continue
		}
		var want map[string]*attr.Value
		if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
			t.Fatal(err)
		}
		for k, w := range want {
			g, ok := got[k]
			switch {
			case w == nil && ok:
				t.Errorf("%s: %s still there: %s", tt.expr, k, g.AppendJSON(nil))
			case w != nil && (!ok || !attr.Equal(g, *w)):
				t.Errorf("%s: %s = %s, want %s", tt.expr, k, g.AppendJSON(nil), w.AppendJSON(nil))
			}
		}
		if !attr.Equal(attr.Map(before), attr.Map(item(t, testItem))) {
			t.Errorf("%s: changed the original item", tt.expr)
		}
	}
}

func TestUpdateErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"SET", `Invalid UpdateExpression: Syntax error; token: <EOF>, near: "SET"`},
		{"SET a = :n1 SET b = :n1", `Invalid UpdateExpression: The "SET" section can only be used once in an update expression;`},
		{"SET a = :n1, a = :n7", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
		{"SET mp.b = :n1 REMOVE mp", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [mp, b], path two: [mp]"},
		{"ADD a :s", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING"},
		{"DELETE a :n1", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER"},
		{"SET a = b + :s", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S"},
		{"SET a = list_append(:s, b)", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: S"},
		{"SET a = size(b)", "Invalid UpdateExpression: The function is not allowed to be used this way in an expression; function: size"},
		{"SET a = if_not_exists(:s, b)", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: if_not_exists, operand type: S"},
		{"SET a = b + c + d", `Invalid UpdateExpression: Syntax error; token: "+", near: "c + d"`},
		{"UPSERT a = :n1", `Invalid UpdateExpression: Syntax error; token: "UPSERT", near: "UPSERT a"`},
		{"SET a :n1", `Invalid UpdateExpression: Syntax error; token: ":n1", near: "a :n1"`},
		{"REMOVE :n1", `Invalid UpdateExpression: Syntax error; token: ":n1", near: "REMOVE :n1"`},
	}
	for _, tt := range tests {
		_, err := ParseUpdate(newCtx(t), tt.expr)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q:\n got  %v\n want %s", tt.expr, err, tt.want)
		}
	}
}

func TestApplyErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"SET a = absent + :n1", msgMissingAttr},
		{"SET a = #n + :n1", msgBadOperand},
		{"SET nope.b = :n1", msgInvalidPath},
		{"SET age.b = :n1", msgInvalidPath},
		{"SET lst[5].x = :n1", msgInvalidPath},
		{"ADD #n :n1", msgBadOperand},
		{"SET a = list_append(age, :lst)", msgBadOperand},
	}
	for _, tt := range tests {
		u, err := ParseUpdate(newCtx(t), tt.expr)
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if _, err := u.Apply(item(t, testItem)); err == nil || err.Error() != tt.want {
			t.Errorf("%s: %v, want %s", tt.expr, err, tt.want)
		}
	}
}

func TestProjection(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"age, #n", `{"age":{"N":"42"},"name":{"S":"Ada Lovelace"}}`},
		{"mp.b.c, lst[2].deep, lst[0]", `{"lst":{"L":[{"S":"x"},{"M":{"deep":{"S":"yes"}}}]},"mp":{"M":{"b":{"M":{"c":{"S":"hi"}}}}}}`},
		{"absent, age", `{"age":{"N":"42"}}`},
	}
	for _, tt := range tests {
		paths, err := ParseProjection(newCtx(t), tt.expr)
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		got := attr.MarshalItemJSON(Project(item(t, testItem), paths))
		if string(got) != tt.want {
			t.Errorf("%s = %s, want %s", tt.expr, got, tt.want)
		}
	}
	if _, err := ParseProjection(newCtx(t), "a, a.b"); err == nil || err.Error() != "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]" {
		t.Errorf("overlap: %v", err)
	}
}

func TestKeyCondition(t *testing.T) {
	tests := []struct{ expr, sort, want string }{
		{"pk = :a", "", ""},
		{"pk = :a AND sk > :n1", "sk", ""},
		{"sk BETWEEN :n1 AND :n7 AND pk = :a", "sk", ""},
		{"pk = :a AND begins_with(sk, :x)", "sk", ""},
		{"pk = :a OR sk = :x", "sk", "Invalid operator used in KeyConditionExpression: OR"},
		{"pk < :a", "sk", "Query key condition not supported"},
		{"sk = :a", "sk", "Query condition missed key schema element: pk"},
		{"pk = :a AND attr2 = :x", "sk", "Query condition missed key schema element: sk"},
		{"pk = :a AND sk = :x AND sk = :a", "sk", "Conditions can be of length 1 or 2 only"},
		{"pk = :a AND contains(sk, :x)", "sk", "Invalid operator used in KeyConditionExpression: contains"},
		{"pk = :a AND sk <> :x", "sk", "Unsupported operator on KeyConditionExpression: operator: <>"},
		{"pk = sk", "sk", "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
	}
	for _, tt := range tests {
		kc, err := ParseKeyCondition(newCtx(t), tt.expr, "pk", tt.sort)
		if tt.want != "" {
			if err == nil || err.Error() != tt.want {
				t.Errorf("%q: %v, want %s", tt.expr, err, tt.want)
			}
			continue
		}
		if err != nil || kc.Value.S != "a" {
			t.Errorf("%q: %+v, %v", tt.expr, kc, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"a = :v", "SET a.b[1] = if_not_exists(#n, :v) + :v REMOVE c ADD d :v", "NOT (a BETWEEN :v AND :v) OR size(b) IN (:v)", "a, b.c[0]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		values := map[string]attr.Value{":v": attr.Num("1")}
		it := attr.Item{"a": attr.Num("1"), "b": attr.List(attr.Str("x"))}
		if c, err := ParseCondition(NewContext(map[string]string{"#n": "a"}, values), KindCondition, src); err == nil {
			Eval(c, it)
		}
		if u, err := ParseUpdate(NewContext(map[string]string{"#n": "a"}, values), src); err == nil {
			u.Apply(it)
		}
		if p, err := ParseProjection(NewContext(map[string]string{"#n": "a"}, values), src); err == nil {
			Project(it, p)
		}
	})
}
