package eventfilter

import "testing"

func TestMatch(t *testing.T) {
	event := `{"source":"shop","detail":{"price":25.5,"colour":"Blue","tags":["a","b"],"name":"img.png","none":null}}`
	tests := []struct {
		pattern string
		want    bool
	}{
		{`{"source":["shop"]}`, true},
		{`{"source":["other"]}`, false},
		{`{"detail":{"price":[{"numeric":[">",20,"<=",30]}]}}`, true},
		{`{"detail":{"price":[{"numeric":["<",20]}]}}`, false},
		{`{"detail":{"price":[25.5]}}`, true},
		{`{"detail":{"colour":[{"prefix":"Bl"}]}}`, true},
		{`{"detail":{"colour":[{"prefix":{"equals-ignore-case":"bl"}}]}}`, true},
		{`{"detail":{"colour":[{"suffix":"ue"}]}}`, true},
		{`{"detail":{"colour":[{"equals-ignore-case":"BLUE"}]}}`, true},
		{`{"detail":{"colour":[{"anything-but":["Blue","Red"]}]}}`, false},
		{`{"detail":{"colour":[{"anything-but":{"prefix":"R"}}]}}`, true},
		{`{"detail":{"tags":["b"]}}`, true},
		{`{"detail":{"missing":[{"exists":false}]}}`, true},
		{`{"detail":{"missing":[{"exists":true}]}}`, false},
		{`{"detail":{"colour":[{"exists":true}]}}`, true},
		{`{"detail":{"none":[null]}}`, true},
		{`{"detail":{"name":[{"wildcard":"*.png"}]}}`, true},
		{`{"detail":{"$or":[{"colour":["Red"]},{"price":[{"numeric":[">",1]}]}]}}`, true},
		{`{"$or":[{"source":["x"]},{"detail":{"colour":["Red"]}}]}`, false},
	}
	for _, tt := range tests {
		p, err := Compile([]byte(tt.pattern))
		if err != nil {
			t.Fatalf("%s: %v", tt.pattern, err)
		}
		if got := p.MatchJSON([]byte(event)); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.pattern, got, tt.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, bad := range []string{`[]`, `{"a":"b"}`, `{"a":[]}`, `{"a":[{"numeric":[">"]}]}`, `{"a":[{"bogus":1}]}`, `{"$or":[{"a":["b"]}]}`, `{`} {
		if _, err := Compile([]byte(bad)); err == nil {
			t.Errorf("%s compiled", bad)
		}
	}
}

func FuzzCompile(f *testing.F) {
	f.Add(`{"a":[{"numeric":[">",1]}],"$or":[{"b":["x"]},{"c":[{"prefix":"y"}]}]}`, `{"a":2,"b":"x"}`)
	f.Fuzz(func(t *testing.T, pattern, event string) {
		p, err := Compile([]byte(pattern))
		if err != nil {
			return
		}
		p.MatchJSON([]byte(event))
	})
}
