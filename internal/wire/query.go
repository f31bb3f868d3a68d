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
	"sync"
)

// The query protocol (awsQuery) sends an input as a form whose keys are
// member paths: "QueueUrl", "Attribute.1.Name", "Entries.member.2.Id",
// "Tags.entry.1.key". decodeForm reads such a form into a Go value,
// guided by its shape (see member), with a decoder made once per Go type
// (formDecoderOf): the member names, the kinds and the text unmarshalers
// are looked up when the type is first seen, not for every request.

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
	// ints is scratch space for the indices of one list or map.
	ints []int
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
func (f *formIndex) under(prefix []byte) []string {
	n := len(prefix)
	i := sort.Search(len(f.keys), func(i int) bool { return !belowPrefix(f.keys[i], prefix) })
	j := i
	for j < len(f.keys) && len(f.keys[j]) > n && f.keys[j][n] == '.' && f.keys[j][:n] == string(prefix) {
		j++
	}
	return f.keys[i:j]
}

// belowPrefix reports whether key sorts before every key that begins with
// prefix + ".".
func belowPrefix(key string, prefix []byte) bool {
	n := len(prefix)
	if len(key) <= n {
		return key < string(prefix) || key == string(prefix)
	}
	if key[:n] != string(prefix) {
		return key[:n] < string(prefix)
	}
	return key[n] < '.'
}

// value returns the form's value at key, and whether the key or anything
// under it is in the form.
func (f *formIndex) value(key []byte) (string, bool) {
	if vs, ok := f.form[string(key)]; ok {
		if len(vs) > 0 {
			return vs[0], true
		}
		return "", true
	}
	return "", len(f.under(key)) > 0
}

// has reports whether the form has key itself or anything under it.
func (f *formIndex) has(key []byte) bool {
	_, ok := f.value(key)
	return ok
}

// indices returns the numbers N of the keys prefix.N[.rest], in order
// (valid until the next call).
func (f *formIndex) indices(prefix []byte) []int {
	out := f.ints[:0]
	last := ""
	for _, k := range f.under(prefix) {
		n, _, _ := strings.Cut(k[len(prefix)+1:], ".")
		if n == last {
			continue // keys of one entry are neighbours
		}
		last = n
		i, err := strconv.Atoi(n)
		if err != nil || i < 1 {
			continue
		}
		out = append(out, i)
	}
	sort.Ints(out)
	uniq := out[:0]
	for i, n := range out {
		if i == 0 || n != out[i-1] {
			uniq = append(uniq, n)
		}
	}
	f.ints = out
	return uniq
}

// decodeForm reads form into v, a pointer to a struct.
func decodeForm(form url.Values, v any) error {
	f := newFormIndex(form)
	rv := reflect.ValueOf(v).Elem()
	key := make([]byte, 0, 128)
	return formDecoderOf(rv.Type())(f, key, plain, rv)
}

// formDecoder reads the member at key (its full path, in a buffer the
// decoder may append to) into v.
type formDecoder func(f *formIndex, key []byte, m *member, v reflect.Value) error

var formDecoders sync.Map // reflect.Type -> formDecoder

// formDecoderOf returns the decoder of type t, made once.
func formDecoderOf(t reflect.Type) formDecoder {
	return codecOf(&formDecoders, t, newFormDecoder, func(ready func() formDecoder) formDecoder {
		return func(f *formIndex, key []byte, m *member, v reflect.Value) error { return ready()(f, key, m, v) }
	})
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

func newFormDecoder(t reflect.Type) formDecoder {
	switch {
	case reflect.PointerTo(t).Implements(textUnmarshaler):
		return decodeText
	case t.Kind() == reflect.Pointer:
		elem := formDecoderOf(t.Elem())
		return func(f *formIndex, key []byte, m *member, v reflect.Value) error {
			if !f.has(key) {
				return nil
			}
			if v.IsNil() {
				v.Set(reflect.New(t.Elem()))
			}
			return elem(f, key, m, v.Elem())
		}
	case t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8:
		return listDecoder(t)
	case t.Kind() == reflect.Map:
		return mapDecoder(t)
	case t.Kind() == reflect.Struct:
		return structDecoder(t)
	}
	return decodeScalar
}

// structDecoder reads a structure's members, each at key.name.
func structDecoder(t reflect.Type) formDecoder {
	type field struct {
		m    *member
		name string
		dec  formDecoder
	}
	var fields []field
	for i, m := range shapeOf(t).members {
		if m.json == "" || m.bind.kind != "" {
			continue
		}
		fields = append(fields, field{m: &shapeOf(t).members[i], name: m.name, dec: formDecoderOf(t.FieldByIndex(m.index).Type)})
	}
	return func(f *formIndex, key []byte, _ *member, v reflect.Value) error {
		if len(key) > 0 && !f.has(key) {
			return nil
		}
		for i := range fields {
			fl := &fields[i]
			k := key
			if len(k) > 0 {
				k = append(k, '.')
			}
			k = append(k, fl.name...)
			if err := fl.dec(f, k, fl.m, fl.m.field(v)); err != nil {
				return err
			}
		}
		return nil
	}
}

// listDecoder reads a list: key.member.N (or key.N when flattened).
func listDecoder(t reflect.Type) formDecoder {
	elem := formDecoderOf(t.Elem())
	return func(f *formIndex, key []byte, m *member, v reflect.Value) error {
		if !f.has(key) {
			return nil
		}
		base := key
		if !m.flat {
			base = append(append(base, '.'), m.item...)
		}
		idx := f.indices(base)
		list := reflect.MakeSlice(t, len(idx), len(idx))
		for j, i := range append([]int(nil), idx...) {
			k := strconv.AppendInt(append(base, '.'), int64(i), 10)
			if err := elem(f, k, plain, list.Index(j)); err != nil {
				return err
			}
		}
		v.Set(list)
		return nil
	}
}

// mapDecoder reads a map: key.entry.N.<key> and key.entry.N.<value> (or
// key.N... when flattened).
func mapDecoder(t reflect.Type) formDecoder {
	valDec := formDecoderOf(t.Elem())
	return func(f *formIndex, key []byte, m *member, v reflect.Value) error {
		if !f.has(key) {
			return nil
		}
		base := key
		if !m.flat {
			base = append(base, ".entry"...)
		}
		out := reflect.MakeMapWithSize(t, 0)
		for _, i := range append([]int(nil), f.indices(base)...) {
			entry := strconv.AppendInt(append(base, '.'), int64(i), 10)
			k := reflect.New(t.Key()).Elem()
			kk := append(append(entry, '.'), m.key...)
			s, _ := f.value(kk)
			if err := setScalar(string(kk), s, k); err != nil {
				return err
			}
			val := reflect.New(t.Elem()).Elem()
			if err := valDec(f, append(append(entry, '.'), m.val...), plain, val); err != nil {
				return err
			}
			out.SetMapIndex(k, val)
		}
		v.Set(out)
		return nil
	}
}

// decodeScalar reads a scalar at key.
func decodeScalar(f *formIndex, key []byte, _ *member, v reflect.Value) error {
	s, ok := f.value(key)
	if !ok {
		return nil
	}
	if want := setPlain(s, v); want != "" {
		return &FormError{Key: string(key), Value: s, Want: want}
	}
	return nil
}

// decodeText reads a text unmarshaler (a timestamp) at key.
func decodeText(f *formIndex, key []byte, _ *member, v reflect.Value) error {
	s, ok := f.value(key)
	if !ok {
		return nil
	}
	return setScalar(string(key), s, v)
}

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
	if v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8 || v.Kind() == reflect.Map ||
		v.Kind() == reflect.Struct || v.Kind() == reflect.Pointer {
		return fmt.Errorf("wire: cannot decode %s into %s", key, v.Type())
	}
	if want := setPlain(s, v); want != "" {
		return &FormError{Key: key, Value: s, Want: want}
	}
	return nil
}

// setPlain parses s into v, a scalar that is not a text unmarshaler, and
// returns what s should have been when it does not fit.
func setPlain(s string, v reflect.Value) (want string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return "a boolean"
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return "an integer"
		}
		v.SetInt(n)
	case reflect.Float32, reflect.Float64:
		n, err := strconv.ParseFloat(s, v.Type().Bits())
		if err != nil {
			return "a number"
		}
		v.SetFloat(n)
	case reflect.Slice: // []byte
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return "base64"
		}
		v.SetBytes(b)
	case reflect.Interface:
		v.Set(reflect.ValueOf(s))
	default:
		return "a value of " + v.Type().String()
	}
	return ""
}
