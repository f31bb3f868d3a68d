package pattern

import (
	"errors"
	"testing"
)

func TestMatch(t *testing.T) {
	const (
		errLine  = "2024-01-01T00:00:00Z ERROR Failed to connect: timeout"
		warnLine = "WARN disk almost full"
		infoLine = "INFO Exiting after 3 retries"
		jsonErr  = `{"level":"ERROR","latency":250,"user":{"id":7,"name":"ana"},"tags":["a","b"],"ok":false,"gone":null,"op":"UpdateTrail"}`
		jsonInfo = `{"level":"INFO","latency":40.5,"op":"Describe/Trails"}`
		lambda   = "2024-01-01T00:00:00.000Z\tc0ffee\tINFO\t{\"level\":\"ERROR\",\"latency\":9}"
	)
	lines := []string{errLine, warnLine, infoLine, jsonErr, jsonInfo, lambda}
	tests := []struct {
		pattern string
		want    []bool // per line above
	}{
		{"", []bool{true, true, true, true, true, true}},
		{`""`, []bool{true, true, true, true, true, true}},
		{"ERROR", []bool{true, false, false, true, false, true}},
		{"error", []bool{false, false, false, false, false, false}},
		{"ERROR timeout", []bool{true, false, false, false, false, false}},
		{`"Failed to"`, []bool{true, false, false, false, false, false}},
		{`"Failed  to"`, []bool{false, false, false, false, false, false}},
		{"?ERROR ?WARN", []bool{true, true, false, true, false, true}},
		{"-ERROR", []bool{false, true, true, false, true, false}},
		{"INFO -Exiting", []bool{false, false, false, false, true, true}},
		{"?WARN ?Exiting -disk", []bool{false, false, true, false, false, false}},
		{`"\"level\":\"INFO\""`, []bool{false, false, false, false, true, false}},
		{`{ $.level = "ERROR" }`, []bool{false, false, false, true, false, true}},
		{`{$.level="ERROR"}`, []bool{false, false, false, true, false, true}},
		{`{ $.level = ERROR }`, []bool{false, false, false, true, false, true}},
		{`{ $.level != "ERROR" }`, []bool{false, false, false, false, true, false}},
		{`{ $.latency > 100 }`, []bool{false, false, false, true, false, false}},
		{`{ $.latency >= 250 }`, []bool{false, false, false, true, false, false}},
		{`{ $.latency < 41 }`, []bool{false, false, false, false, true, true}},
		{`{ $.latency <= 40.5 }`, []bool{false, false, false, false, true, true}},
		{`{ $.latency = 250 }`, []bool{false, false, false, true, false, false}},
		{`{ $.latency != 250 }`, []bool{false, false, false, false, true, true}},
		{`{ $.user.id = 7 }`, []bool{false, false, false, true, false, false}},
		{`{ $.user.name = "a*" }`, []bool{false, false, false, true, false, false}},
		{`{ $.op = "Update*" }`, []bool{false, false, false, true, false, false}},
		{`{ $.op = "*/*" }`, []bool{false, false, false, false, true, false}},
		{`{ $.tags[1] = "b" }`, []bool{false, false, false, true, false, false}},
		{`{ $.tags[5] = "b" }`, []bool{false, false, false, false, false, false}},
		{`{ $.ok IS FALSE }`, []bool{false, false, false, true, false, false}},
		{`{ $.ok IS TRUE }`, []bool{false, false, false, false, false, false}},
		{`{ $.gone IS NULL }`, []bool{false, false, false, true, false, false}},
		{`{ $.user NOT EXISTS }`, []bool{false, false, false, false, true, true}},
		{`{ $.level = "ERROR" && $.latency > 100 }`, []bool{false, false, false, true, false, false}},
		{`{ $.level = "INFO" || $.latency > 100 }`, []bool{false, false, false, true, true, false}},
		{`{ ($.level = "INFO" || $.level = "ERROR") && $.latency < 10 }`, []bool{false, false, false, false, false, true}},
		{`{ $.level = "INFO" || $.level = "ERROR" && $.latency < 10 }`, []bool{false, false, false, false, true, true}},
	}
	for _, tt := range tests {
		p, err := Parse(tt.pattern)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.pattern, err)
			continue
		}
		for i, line := range lines {
			if got := p.Match(line); got != tt.want[i] {
				t.Errorf("%q matches %q: got %v, want %v", tt.pattern, line, got, tt.want[i])
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, pattern := range []string{
		`"unterminated`,
		`ERR"OR`,
		`? ERROR`,
		`-`,
		`{ $.level = "ERROR"`,
		`{ level = "ERROR" }`,
		`{ $.level }`,
		`{ $.level = }`,
		`{ $.level > "x" }`,
		`{ $.level = "a" && }`,
		`{ ($.level = "a" }`,
		`{ $. = 1 }`,
		`{ $.a[x] = 1 }`,
		`{ $.a IS MAYBE }`,
		`{ $.a NOT THERE }`,
		`{ $ = 1 }`,
		`[ip, user]`,
	} {
		if _, err := Parse(pattern); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q): got %v, want a syntax error", pattern, err)
		}
	}
}

func TestWildcard(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"abc", "abc", true},
		{"abc", "abcd", false},
		{"a*", "abc", true},
		{"*c", "abc", true},
		{"a*c", "ac", true},
		{"a*a", "a", false},
		{"*b*", "abc", true},
		{"*x*", "abc", false},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "acb", false},
		{"*", "", true},
	}
	for _, tt := range tests {
		if got := wildcard(tt.pattern, tt.s); got != tt.want {
			t.Errorf("wildcard(%q, %q): got %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func FuzzFilterPattern(f *testing.F) {
	for _, s := range []string{"", "ERROR", `?a ?"b c" -d`, `{ $.level = "ERROR" && ($.n > 1 || $.x IS NULL) }`,
		`{ $.a[0].b NOT EXISTS }`, `{ $.op = "Up*" }`, `"\"q\""`} {
		f.Add(s, `{"level":"ERROR","n":2,"a":[{"b":1}],"op":"Update"}`)
	}
	f.Fuzz(func(t *testing.T, pattern, message string) {
		p, err := Parse(pattern)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("Parse(%q): error %v does not wrap ErrSyntax", pattern, err)
			}
			return
		}
		first := p.Match(message)
		if p.Match(message) != first {
			t.Fatalf("%q on %q: Match is not deterministic", pattern, message)
		}
	})
}
