package jsonpath

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func decode(t testing.TB, s string) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

func encode(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

const store = `{
  "store": {
    "book": [
      {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
      {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
      {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
      {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99}
    ],
    "bicycle": {"color": "red", "price": 19.95}
  },
  "expensive": 10,
  "users": [{"year": 1997, "status": 0, "name": "a"}, {"year": 1998, "status": 1, "name": "b"}],
  "my-field": {"with space": 1},
  "items": []
}`

func TestGet(t *testing.T) {
	doc := decode(t, store)
	for _, tc := range []struct{ path, want string }{
		{"$", encode(doc)},
		{"$.expensive", `10`},
		{"$['expensive']", `10`},
		{`$["expensive"]`, `10`},
		{"$.store.bicycle.color", `"red"`},
		{"$.store.book[0].author", `"Nigel Rees"`},
		{"$.store.book[-1].title", `"The Lord of the Rings"`},
		{"$.store.book[*].author", `["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]`},
		{"$.store.book[0,2].price", `[8.95,8.99]`},
		{"$.store.book[1:3].price", `[12.99,8.99]`},
		{"$.store.book[:2].price", `[8.95,12.99]`},
		{"$.store.book[-2:].price", `[8.99,22.99]`},
		{"$..author", `["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]`},
		{"$.store..price", `[19.95,8.95,12.99,8.99,22.99]`},
		{"$.store.book[?(@.isbn)].title", `["Moby Dick","The Lord of the Rings"]`},
		{"$.store.book[?(@.price < 10)].price", `[8.95,8.99]`},
		{"$.store.book[?(@.price < $.expensive)].price", `[8.95,8.99]`},
		{"$.store.book[?(@.category == 'fiction' && @.price > 20)].author", `["J. R. R. Tolkien"]`},
		{"$.store.book[?(@.category != 'fiction' || @.price > 20)].price", `[8.95,22.99]`},
		{"$.store.book[?(!(@.price > 9))].price", `[8.95,8.99]`},
		{"$.store.book[?(@.author =~ /.*Rees/)].price", `[8.95]`},
		{"$.store.book[?(@.author =~ /nigel.*/i)].price", `[8.95]`},
		{"$.store.book[?(@.category in ['reference'])].price", `[8.95]`},
		{"$.store.book[?(@.category nin ['fiction'])].price", `[8.95]`},
		{"$.users[?(@.status == 0)]", `[{"name":"a","status":0,"year":1997}]`},
		{"$.[?(@.year <= 1998)].name", `[]`},
		{"$.users.[?(@.year <= 1998)].name", `["a","b"]`},
		{"$.store.book.length()", `4`},
		{"$.store.book[*].price.min()", `8.95`},
		{"$.users[*].year.max()", `1998`},
		{"$.users[*].year.sum()", `3995`},
		{"$.my-field['with space']", `1`},
		{"$.items[*]", `[]`},
		{"$.missing[*]", `[]`},
		{"$.missing[1:]", `[]`},
		{"$.store.bicycle.*", `["red",19.95]`},
	} {
		p, err := Parse(tc.path)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.path, err)
			continue
		}
		got, err := p.Get(doc)
		if err != nil {
			t.Errorf("%s: %v", tc.path, err)
			continue
		}
		if g := encode(got); g != tc.want {
			t.Errorf("%s = %s, want %s", tc.path, g, tc.want)
		}
	}
}

func TestGetNotFound(t *testing.T) {
	doc := decode(t, `{"a": {"b": 1}, "arr": [1], "s": "x"}`)
	for _, tc := range []struct{ path, want string }{
		{"$.NoSuchInputPath", "No results for path: $['NoSuchInputPath']"},
		{"$.no.such.result.path", "Missing property in path $['no']"},
		{"$.a.c", "No results for path: $['a']['c']"},
		{"$.arr[3]", "No results for path: $['arr'][3]"},
		{"$.s.x", "Expected to find an object with property ['x'] in path $['s'] but found 'java.lang.String'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider'."},
	} {
		_, err := MustParse(tc.path).Get(doc)
		if !errors.Is(err, ErrNotFound) || err.Error() != tc.want {
			t.Errorf("%s: err = %v, want %q", tc.path, err, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, bad := range []string{"", "a.b", "$.", "$[", "$[?(@.a ==)]", "$.a[1", "$['a", "$.length()x", "$[?(@.a =~ /(/)]", "$.a.length(1)"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}

func TestReference(t *testing.T) {
	for path, want := range map[string]bool{
		"$": true, "$.a.b": true, "$['a'][0]": true, "$.a[*]": false, "$..a": false,
		"$.a[0,1]": false, "$.a[1:]": false, "$.a.length()": false, "$.a[?(@.b)]": false,
	} {
		if got := MustParse(path).Reference(); got != want {
			t.Errorf("%s.Reference() = %v, want %v", path, got, want)
		}
	}
}

func TestSet(t *testing.T) {
	for _, tc := range []struct{ doc, path, value, want string }{
		{`{"a":1}`, "$", `2`, `2`},
		{`{"a":1}`, "$.b", `2`, `{"a":1,"b":2}`},
		{`{"a":1}`, "$.x.y.z", `"v"`, `{"a":1,"x":{"y":{"z":"v"}}}`},
		{`{"a":{"b":1,"c":2}}`, "$.a.b", `3`, `{"a":{"b":3,"c":2}}`},
		{`{"a":[1,2]}`, "$.a[1]", `3`, `{"a":[1,3]}`},
		{`"str"`, "$.a", `1`, ``},
		{`{"a":[1]}`, "$.a[5]", `1`, ``},
	} {
		doc := decode(t, tc.doc)
		before := encode(doc)
		got, err := MustParse(tc.path).Set(doc, decode(t, tc.value))
		if tc.want == "" {
			if err == nil {
				t.Errorf("Set(%s, %s) succeeded", tc.doc, tc.path)
			}
			continue
		}
		if err != nil || encode(got) != tc.want {
			t.Errorf("Set(%s, %s, %s) = %s, %v; want %s", tc.doc, tc.path, tc.value, encode(got), err, tc.want)
		}
		if encode(doc) != before {
			t.Errorf("Set modified its input: %s", encode(doc))
		}
	}
}

func FuzzPath(f *testing.F) {
	for _, s := range []string{"$", "$.a.b[0]", "$..x", "$.a[?(@.b > 1 && @.c =~ /x.*/i)]", "$['a','b'][1:3]", "$.a.length()", "$[?(@ in [1,'a',true,null])]"} {
		f.Add(s)
	}
	doc := decode(f, store)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			return
		}
		if p.String() != s {
			t.Fatalf("String() = %q, want %q", p.String(), s)
		}
		p.Get(doc)
		if p.Reference() {
			p.Set(doc, 1)
		}
	})
}
