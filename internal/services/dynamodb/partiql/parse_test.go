package partiql

import (
	"testing"

	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/expr"
)

func TestParse(t *testing.T) {
	item := attr.Item{"pk": attr.Str("a"), "sk": attr.Num("3"), "tags": {T: attr.SS, Set: []string{"x"}}, "m": attr.Map(map[string]attr.Value{"k": attr.Num("1")})}
	tests := []struct {
		src    string
		params []attr.Value
		kind   string
		match  bool // Where on item
	}{
		{`SELECT * FROM "t" WHERE pk = 'a' AND sk BETWEEN 1 AND 5`, nil, "SELECT", true},
		{`select pk, m.k FROM t."byX" WHERE pk = ? and sk > ?`, []attr.Value{attr.Str("a"), attr.Num("4")}, "SELECT", false},
		{`SELECT * FROM "t" WHERE pk IN ['b', 'a'] AND contains(tags, 'x') AND m['k'] = 1`, nil, "SELECT", true},
		{`SELECT * FROM "t" WHERE NOT (pk = 'b' OR sk <> 3) AND nope IS MISSING AND m IS NOT MISSING`, nil, "SELECT", true},
		{`SELECT * FROM "t" WHERE begins_with(pk, 'a') AND size(tags) = 1 AND sk != 2`, nil, "SELECT", true},
		{`INSERT INTO "t" VALUE {'pk': 'b', 'sk': -1.5e2, 's': <<'x', 'y'>>, 'l': [1, {'n': null}, true], 'p': ?}`, []attr.Value{attr.Bin([]byte{1})}, "INSERT", false},
		{`UPDATE "t" SET a = 1, b = sk + 2 SET c = list_append(l, [3]) REMOVE x, y[1] SET tags = set_add(tags, <<'z'>>) WHERE pk = 'a' AND sk = 3 RETURNING ALL NEW *`, nil, "UPDATE", true},
		{`DELETE FROM "t" WHERE pk = 'a' AND sk = 3 RETURNING ALL OLD *`, nil, "DELETE", true},
	}
	for _, tt := range tests {
		st, err := Parse(tt.src, tt.params)
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		if st.Kind != tt.kind || st.Table != "t" {
			t.Errorf("%s: %+v", tt.src, st)
		}
		if st.Where != nil && expr.Eval(st.Where, item) != tt.match {
			t.Errorf("%s: WHERE on the item = %v", tt.src, !tt.match)
		}
	}
	ins, _ := Parse(tests[5].src, tests[5].params)
	if got := string(attr.MarshalItemJSON(ins.Item)); got != `{"l":{"L":[{"N":"1"},{"M":{"n":{"NULL":true}}},{"BOOL":true}]},"p":{"B":"AQ=="},"pk":{"S":"b"},"s":{"SS":["x","y"]},"sk":{"N":"-150"}}` {
		t.Errorf("INSERT item = %s", got)
	}
	upd, _ := Parse(tests[6].src, nil)
	if len(upd.Update.Actions) != 6 || upd.Returning != "ALL NEW" || upd.Update.Actions[5].Kind != "ADD" {
		t.Errorf("UPDATE = %+v", upd.Update.Actions)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		src    string
		params []attr.Value
		want   string
	}{
		{`CREATE TABLE t`, nil, "Statement wasn't well formed, can't be processed: Expected data manipulation"},
		{`SELECT * FROM "t" WHERE pk = ?`, nil, "Number of parameters in request and statement don't match."},
		{`SELECT * FROM "t"`, []attr.Value{attr.Str("x")}, "Number of parameters in request and statement don't match."},
		{`SELECT * FROM "t" WHERE pk = 'a`, nil, "Statement wasn't well formed, can't be processed: Unterminated string literal"},
		{`SELECT * FROM "t" WHERE`, nil, "Statement wasn't well formed, can't be processed: Unexpected end of statement"},
		{`DELETE FROM "t"."i" WHERE pk = 'a'`, nil, "This operation is not supported on an index"},
		{`SELECT * FROM "t" WHERE pk = 'a' 'b'`, nil, `Statement wasn't well formed, can't be processed: Unexpected token "b" at position 34`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.src, tt.params)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: %v, want %s", tt.src, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`SELECT a, b.c[1] FROM "t"."i" WHERE a = ? AND (b IN [1, 'x'] OR NOT c IS MISSING)`,
		`INSERT INTO t VALUE {'a': <<1, 2>>, 'b': [{'c': null}]}`,
		`UPDATE "t" SET a = a + 1, b = list_append(b, [?]) REMOVE c WHERE k = 'x' RETURNING MODIFIED OLD *`,
		`DELETE FROM "t" WHERE k = 1 -- comment`,
		`SELECT * FROM "t" WHERE size(a) >= 2 AND begins_with(b, 'p') AND c BETWEEN -1 AND 1e3`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		st, err := Parse(src, []attr.Value{attr.Str("p")})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("%q: error of type %T", src, err)
			}
			return
		}
		if st.Table == "" {
			t.Fatalf("%q: no table", src)
		}
	})
}
