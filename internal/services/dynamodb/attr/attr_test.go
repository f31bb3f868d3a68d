package attr

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"sort"
	"strings"
	"testing"
)

func TestParseNumber(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"0", "0", ""},
		{"-0", "0", ""},
		{"007", "7", ""},
		{"1.50", "1.5", ""},
		{"+12", "12", ""},
		{"1e3", "1000", ""},
		{"1.5E-3", "0.0015", ""},
		{"-.5", "-0.5", ""},
		{"5.", "5", ""},
		{"100", "100", ""},
		{"0.000", "0", ""},
		{"12345678901234567890123456789012345678", "12345678901234567890123456789012345678", ""},
		{"123456789012345678901234567890123456789", "", ErrPrecision.Error()},
		{"1234567890123456789012345678901234567800000", "1234567890123456789012345678901234567800000", ""},
		{"1E125", "1" + zeros(125), ""},
		{"1E126", "", ErrOverflow.Error()},
		{"1E-130", "0." + zeros(129) + "1", ""},
		{"1E-131", "", ErrUnderflow.Error()},
		{"", "", ErrNotNumber.Error()},
		{"abc", "", ErrNotNumber.Error()},
		{" 1", "", ErrNotNumber.Error()},
		{"1 ", "", ErrNotNumber.Error()},
		{"1e", "", ErrNotNumber.Error()},
		{"1.2.3", "", ErrNotNumber.Error()},
		{"NaN", "", ErrNotNumber.Error()},
		{"Infinity", "", ErrNotNumber.Error()},
		{"0x10", "", ErrNotNumber.Error()},
		{".", "", ErrNotNumber.Error()},
		{"1e99999999999", "", ErrOverflow.Error()},
	}
	for _, tt := range tests {
		n, err := ParseNumber(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseNumber(%q) = %v, %v; want error %q", tt.in, n, err, tt.err)
			}
			continue
		}
		if err != nil || n.String() != tt.want {
			t.Errorf("ParseNumber(%q) = %q, %v; want %q", tt.in, n.String(), err, tt.want)
		}
	}
}

func zeros(n int) string { return string(bytes.Repeat([]byte("0"), n)) }

func TestNumberArithmetic(t *testing.T) {
	tests := []struct{ a, b, sum, diff string }{
		{"1", "2", "3", "-1"},
		{"0.1", "0.2", "0.3", "-0.1"},
		{"-5", "5", "0", "-10"},
		{"1E10", "1E-10", "10000000000.0000000001", "9999999999.9999999999"},
		{"99999999999999999999999999999999999999", "0", "99999999999999999999999999999999999999", "99999999999999999999999999999999999999"},
	}
	for _, tt := range tests {
		a, b := Num(tt.a).Number(), Num(tt.b).Number()
		s, err := a.Add(b)
		if err != nil || s.String() != tt.sum {
			t.Errorf("%s + %s = %s, %v; want %s", tt.a, tt.b, s, err, tt.sum)
		}
		d, err := a.Sub(b)
		if err != nil || d.String() != tt.diff {
			t.Errorf("%s - %s = %s, %v; want %s", tt.a, tt.b, d, err, tt.diff)
		}
	}
	big := Num("99999999999999999999999999999999999999").Number()
	if _, err := big.Add(Num("1").Number()); err != nil {
		t.Errorf("38 nines + 1: %v", err)
	}
	if _, err := big.Add(Num("0.1").Number()); err != ErrPrecision {
		t.Errorf("38 nines + 0.1: %v, want %v", err, ErrPrecision)
	}
	huge := Num("9E125").Number()
	if _, err := huge.Add(huge); err != ErrOverflow {
		t.Errorf("9E125 + 9E125: %v, want %v", err, ErrOverflow)
	}
}

// TestKeyOrder checks that encoded keys sort as the values do.
func TestKeyOrder(t *testing.T) {
	nums := []string{"-1E125", "-100", "-99.5", "-10", "-1", "-0.5", "-0.05", "-1E-130", "0", "1E-130", "0.001", "0.01", "0.5", "1", "1.5", "2", "9", "10", "10.5", "99", "100", "1E125"}
	var vals []Value
	for _, n := range nums {
		vals = append(vals, Num(n))
	}
	checkOrder(t, vals)
	strs := []string{"", "\x00", "\x00\x00", "\x00a", "a", "a\x00", "a\x00b", "ab", "b", "\xff"}
	vals = nil
	for _, s := range strs {
		vals = append(vals, Str(s))
	}
	checkOrder(t, vals)
	// Random numbers agree with Cmp.
	r := rand.New(rand.NewSource(1))
	vals = nil
	for range 500 {
		s := []byte{}
		if r.Intn(2) == 0 {
			s = append(s, '-')
		}
		for range 1 + r.Intn(6) {
			s = append(s, byte('0'+r.Intn(10)))
		}
		if r.Intn(2) == 0 {
			s = append(s, '.')
			for range 1 + r.Intn(4) {
				s = append(s, byte('0'+r.Intn(10)))
			}
		}
		vals = append(vals, Num(string(s)))
	}
	sort.Slice(vals, func(i, j int) bool { c, _ := Compare(vals[i], vals[j]); return c < 0 })
	checkOrder(t, vals)
}

func checkOrder(t *testing.T, vals []Value) {
	t.Helper()
	for i := 1; i < len(vals); i++ {
		a, b := AppendKey(nil, vals[i-1]), AppendKey(nil, vals[i])
		c, _ := Compare(vals[i-1], vals[i])
		if bytes.Compare(a, b) != c {
			t.Errorf("key(%q) vs key(%q) = %d, values compare %d", vals[i-1].S, vals[i].S, bytes.Compare(a, b), c)
		}
		// A following sort key must not change the order.
		a2 := AppendKey(AppendKey(nil, vals[i-1]), Str("zzz"))
		b2 := AppendKey(AppendKey(nil, vals[i]), Str(""))
		if c != 0 && bytes.Compare(a2, b2) != c {
			t.Errorf("composite key(%q) vs key(%q) out of order", vals[i-1].S, vals[i].S)
		}
	}
}

func TestJSON(t *testing.T) {
	tests := []struct{ in, out, invalid string }{
		{`{"S":"hi"}`, `{"S":"hi"}`, ""},
		{`{"N":"01.50"}`, `{"N":"1.5"}`, ""},
		{`{"B":"AAE="}`, `{"B":"AAE="}`, ""},
		{`{"BOOL":false}`, `{"BOOL":false}`, ""},
		{`{"NULL":true}`, `{"NULL":true}`, ""},
		{`{"M":{"b":{"S":"x"},"a":{"L":[{"N":"1"},{"SS":["a","b"]}]}}}`, `{"M":{"a":{"L":[{"N":"1"},{"SS":["a","b"]}]},"b":{"S":"x"}}}`, ""},
		{`{"NS":["1","1.0"]}`, ``, "One or more parameter values were invalid: Input collection [1, 1] contains duplicates."},
		{`{"SS":[]}`, ``, "One or more parameter values were invalid: An string set  may not be empty"},
		{`{"NS":[]}`, ``, "One or more parameter values were invalid: An number set  may not be empty"},
		{`{}`, ``, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
		{`{"S":"a","N":"1"}`, ``, "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"},
		{`{"NULL":false}`, ``, "One or more parameter values were invalid: Null attribute value types must have the value of true"},
		{`{"N":"x"}`, ``, "A value provided cannot be converted into a number"},
		{`{"L":[{"N":"1e200"}]}`, ``, ErrOverflow.Error()},
		{`{"S":"\u2028<\"\\\n"}`, `{"S":"\u2028<\"\\\n"}`, ""},
	}
	for _, tt := range tests {
		var v Value
		if err := json.Unmarshal([]byte(tt.in), &v); err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if got := v.Validate(); got != tt.invalid {
			t.Errorf("%s: Validate() = %q, want %q", tt.in, got, tt.invalid)
		}
		if tt.invalid != "" {
			continue
		}
		out := v.AppendJSON(nil)
		if string(out) != tt.out {
			t.Errorf("%s: marshal = %s, want %s", tt.in, out, tt.out)
		}
	}
	for _, bad := range []string{`{"S":5}`, `[]`, `{"N":1}`, `{"B":"***"}`} {
		var v Value
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("%s: decoded without error", bad)
		}
	}
}

func TestSize(t *testing.T) {
	item := Item{
		"a":   Str("hello"),           // 1 + 5
		"bb":  Num("123"),             // 2 + 4 (two pairs + 2: 1.23e2, even exponent)
		"c":   Bool(true),             // 1 + 1
		"lst": List(Str("x"), Null()), // 3 + 3 + (1+1) + (1+1)
	}
	if got, want := ItemSize(item), 6+6+2+10; got != want {
		t.Errorf("ItemSize = %d, want %d", got, want)
	}
	for _, tt := range []struct {
		n    string
		want int
	}{{"1", 3}, {"10", 2}, {"12", 2}, {"-12", 2}, {"123", 4}, {"0.5", 2}, {"0.05", 3}, {"1234567890", 6}, {"0", 3}} {
		if got := Num(tt.n).Size(); got != tt.want {
			t.Errorf("size of %s = %d, want %d", tt.n, got, tt.want)
		}
	}
}

func FuzzValueJSON(f *testing.F) {
	for _, s := range []string{`{"S":"a"}`, `{"N":"-1.5e3"}`, `{"M":{"a":{"L":[{"NS":["1","2"]}]}}}`, `{"BS":["AA=="]}`, `{"NULL":true}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v Value
		if err := json.Unmarshal(data, &v); err != nil || v.Validate() != "" {
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var w Value
		if err := json.Unmarshal(out, &w); err != nil {
			t.Fatalf("re-decode %s: %v", out, err)
		}
		if !Equal(v, w) {
			t.Fatalf("round trip changed %s to %s", data, out)
		}
	})
}

func TestCodecRoundTrip(t *testing.T) {
	item := Item{
		"s": Str("héllo"), "n": Num("-12.50"), "b": Bin([]byte{0, 1, 255}), "t": Bool(true), "z": Null(),
		"l": List(Str("a"), Num("1"), List()), "m": Map(map[string]Value{"x": Map(map[string]Value{}), "y": Value{T: SS, Set: []string{"a", "b"}}}),
		"ns": Value{T: NS, Set: []string{"1", "2.5"}}, "bs": Value{T: BS, Set: []string{"\x00", "x"}}, "": Str(""),
	}
	got, err := UnmarshalItem(MarshalItem(item))
	if err != nil {
		t.Fatal(err)
	}
	if !Equal(Map(got), Map(item)) {
		t.Errorf("round trip: %s, want %s", MarshalItemJSON(got), MarshalItemJSON(item))
	}
	// Items stored as JSON by earlier versions still decode.
	old, err := UnmarshalItem(MarshalItemJSON(item))
	if err != nil || !Equal(Map(old), Map(item)) {
		t.Errorf("JSON item: %v %s", err, MarshalItemJSON(old))
	}
}

func FuzzUnmarshalItem(f *testing.F) {
	f.Add(MarshalItem(Item{"a": Str("x"), "l": List(Num("1"), Map(map[string]Value{"k": Null()}))}))
	f.Add([]byte(`{"a":{"S":"x"}}`))
	f.Add([]byte{codecVersion, 1, 1, 'a', byte(L), 200, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		item, err := UnmarshalItem(data)
		if err != nil || len(data) == 0 || data[0] == '{' {
			return
		}
		// What decodes re-encodes to something that decodes to the same.
		again, err := UnmarshalItem(MarshalItem(item))
		if err != nil || !Equal(Map(again), Map(item)) {
			t.Errorf("re-encoding %x: %v", data, err)
		}
	})
}

// TestNumberSize checks the size read from a number's canonical text
// against the size of the parsed number.
func TestNumberSize(t *testing.T) {
	for _, s := range []string{"0", "1", "-1", "10", "12", "123", "100", "0.5", "0.05", "0.0001", "10.5", "-99.001", "1234567890",
		"12345678901234567890123456789012345678", "1E125", "1E-130", "123.456E10", "5E-3", "-0.00012"} {
		n, err := ParseNumber(s)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := numberSize(n.String()), n.size(); got != want {
			t.Errorf("numberSize(%s) = %d, want %d", n, got, want)
		}
	}
}

// FuzzStored checks, for any item, that its storage encoding is measured
// and written as JSON as the decoded item is.
func FuzzStored(f *testing.F) {
	f.Add([]byte(`{"S":"hi \u2028"}`), []byte(`{"N":"-0.0012"}`))
	f.Add([]byte(`{"M":{"b":{"NS":["1","20"]},"a":{"L":[{"B":"AAE="},{"NULL":true}]}}}`), []byte(`{"BS":["AA=="]}`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var va, vb Value
		if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil || va.Validate() != "" || vb.Validate() != "" {
			return
		}
		item := Item{"a": va, "b\x00": vb, "": vb}
		stored := MarshalItem(item)
		size, err := StoredSize(stored)
		if err != nil || size != ItemSize(item) {
			t.Errorf("StoredSize = %d, %v; want %d", size, err, ItemSize(item))
		}
		js, err := AppendStoredJSON(nil, stored)
		if want := MarshalItemJSON(item); err != nil || string(js) != string(want) {
			t.Errorf("AppendStoredJSON = %s, %v; want %s", js, err, want)
		}
	})
}

// FuzzAppendString checks strings against encoding/json's writing of
// them (without HTML escapes).
func FuzzAppendString(f *testing.F) {
	f.Add("plain")
	f.Add("a\"b\\c\n\t\x01\b\f\u2028\u2029\xff é 😀")
	f.Fuzz(func(t *testing.T, s string) {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		if got, want := string(appendString(nil, s)), strings.TrimSuffix(b.String(), "\n"); got != want {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}
