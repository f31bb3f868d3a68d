package wire

import (
	"encoding"
	"encoding/base64"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// The query protocol (awsQuery) sends an input as a form whose keys are
// member paths: "QueueUrl", "Attribute.1.Name", "Entries.member.2.Id",
// "Tags.entry.1.key". decodeForm reads such a form into a Go value,
// guided by its shape (see member).

// FormError is a form value that does not fit its member.
type FormError struct {
	Key, Value, Want string
}

func (e *FormError) Error() string {
	return fmt.Sprintf("Value %s for parameter %s is invalid. Reason: must be %s.", e.Value, e.Key, e.Want)
}

// formIndex answers which keys a form has under a prefix.
type formIndex struct {
	form url.Values
	keys []string // sorted
}

func newFormIndex(form url.Values) *formIndex {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return &formIndex{form: form, keys: keys}
}

// under returns the keys that begin with prefix + ".".
func (f *formIndex) under(prefix string) []string {
	p := prefix + "."
	i := sort.SearchStrings(f.keys, p)
	j := i
	for j < len(f.keys) && strings.HasPrefix(f.keys[j], p) {
		j++
	}
	return f.keys[i:j]
}

// has reports whether the form has prefix itself or anything under it.
func (f *formIndex) has(prefix string) bool {
	_, ok := f.form[prefix]
	return ok || len(f.under(prefix)) > 0
}

// indices returns the numbers N of the keys prefix.N[.rest], in order.
func (f *formIndex) indices(prefix string) []int {
	seen := map[int]bool{}
	var out []int
	for _, k := range f.under(prefix) {
		n, _, _ := strings.Cut(k[len(prefix)+1:], ".")
		i, err := strconv.Atoi(n)
		if err != nil || i < 1 || seen[i] {
			continue
		}
		seen[i] = true
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

// decodeForm reads form into v, a pointer to a struct.
func decodeForm(form url.Values, v any) error {
	f := newFormIndex(form)
	return f.decodeStruct("", reflect.ValueOf(v).Elem())
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func (f *formIndex) decodeStruct(prefix string, v reflect.Value) error {
	s := shapeOf(v.Type())
	for i := range s.members {
		m := &s.members[i]
		if m.json == "" || m.bind.kind != "" {
			continue
		}
		if err := f.decodeMember(join(prefix, m.name), m, m.field(v)); err != nil {
			return err
		}
	}
	return nil
}

// decodeMember reads the member at key (its full path) into v.
func (f *formIndex) decodeMember(key string, m *member, v reflect.Value) error {
	if !f.has(key) {
		return nil
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	switch {
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8:
		return f.decodeList(key, m, v)
	case v.Kind() == reflect.Map:
		return f.decodeMap(key, m, v)
	case v.Kind() == reflect.Struct && !isText(v):
		return f.decodeStruct(key, v)
	}
	return setScalar(key, f.form.Get(key), v)
}

func (f *formIndex) decodeList(key string, m *member, v reflect.Value) error {
	base := key + "." + m.item
	if m.flat {
		base = key
	}
	idx := f.indices(base)
	list := reflect.MakeSlice(v.Type(), len(idx), len(idx))
	for j, i := range idx {
		if err := f.decodeMember(base+"."+strconv.Itoa(i), &member{item: "member", key: "key", val: "value"}, list.Index(j)); err != nil {
			return err
		}
	}
	v.Set(list)
	return nil
}

func (f *formIndex) decodeMap(key string, m *member, v reflect.Value) error {
	base := key + ".entry"
	if m.flat {
		base = key
	}
	out := reflect.MakeMap(v.Type())
	elem := &member{item: "member", key: "key", val: "value"}
	for _, i := range f.indices(base) {
		entry := base + "." + strconv.Itoa(i)
		k := reflect.New(v.Type().Key()).Elem()
		if err := setScalar(entry+"."+m.key, f.form.Get(entry+"."+m.key), k); err != nil {
			return err
		}
		val := reflect.New(v.Type().Elem()).Elem()
		if err := f.decodeMember(entry+"."+m.val, elem, val); err != nil {
			return err
		}
		out.SetMapIndex(k, val)
	}
	v.Set(out)
	return nil
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

func isText(v reflect.Value) bool {
	return v.CanAddr() && v.Addr().Type().Implements(textUnmarshaler)
}

// setScalar parses s into v.
func setScalar(key, s string, v reflect.Value) error {
	if isText(v) {
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			return &FormError{Key: key, Value: s, Want: "a timestamp"}
		}
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return &FormError{Key: key, Value: s, Want: "a boolean"}
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return &FormError{Key: key, Value: s, Want: "an integer"}
		}
		v.SetInt(n)
	case reflect.Float32, reflect.Float64:
		n, err := strconv.ParseFloat(s, v.Type().Bits())
		if err != nil {
			return &FormError{Key: key, Value: s, Want: "a number"}
		}
		v.SetFloat(n)
	case reflect.Slice: // []byte
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return &FormError{Key: key, Value: s, Want: "base64"}
		}
		v.SetBytes(b)
	case reflect.Interface:
		v.Set(reflect.ValueOf(s))
	default:
		return fmt.Errorf("wire: cannot decode %s into %s", key, v.Type())
	}
	return nil
}
