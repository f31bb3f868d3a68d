package wire

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"time"
)

// xmlWriter renders Go values as AWS's XML protocols do (query responses
// and REST-XML bodies), guided by their shapes (see member): structure
// members in declaration order, lists wrapped in <member> elements or
// flattened, maps as entry/key/value or flattened.
type xmlWriter struct{ bytes.Buffer }

func (w *xmlWriter) open(name string)  { w.WriteByte('<'); w.WriteString(name); w.WriteByte('>') }
func (w *xmlWriter) close(name string) { w.WriteString("</"); w.WriteString(name); w.WriteByte('>') }

// text writes s escaped.
func (w *xmlWriter) text(s string) { xml.EscapeText(w, []byte(s)) }

// element writes <name>s</name>.
func (w *xmlWriter) element(name, s string) {
	w.open(name)
	w.text(s)
	w.close(name)
}

// members writes the members of struct v as elements.
func (w *xmlWriter) members(v reflect.Value) {
	s := shapeOf(v.Type())
	for i := range s.members {
		m := &s.members[i]
		if m.json == "" && !m.xmlOnly || m.noXML || m.attr || m.bind.kind != "" {
			continue
		}
		f := m.field(v)
		if m.omitEmpty && isEmpty(f) || f.Kind() == reflect.Pointer && f.IsNil() {
			continue
		}
		if m.chardata {
			w.text(scalarText(reflect.Indirect(f)))
			continue
		}
		w.member(m.name, m, f)
	}
}

// attributes writes the XML attributes of struct v (with a leading space).
func (w *xmlWriter) attributes(v reflect.Value) {
	s := shapeOf(v.Type())
	for i := range s.members {
		m := &s.members[i]
		if !m.attr || m.noXML {
			continue
		}
		f := m.field(v)
		if isEmpty(f) {
			continue
		}
		fmt.Fprintf(w, " %s=\"", m.name)
		w.text(scalarText(reflect.Indirect(f)))
		w.WriteByte('"')
	}
}

// member writes value v of member m under name.
func (w *xmlWriter) member(name string, m *member, v reflect.Value) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	switch {
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8:
		w.list(name, m, v)
	case v.Kind() == reflect.Map:
		w.mapping(name, m, v)
	case v.Kind() == reflect.Struct && !isTextMarshaler(v) && v.Type() != timeType:
		w.WriteByte('<')
		w.WriteString(name)
		w.attributes(v)
		w.WriteByte('>')
		w.members(v)
		w.close(name)
	default:
		w.element(name, scalarText(v))
	}
}

var plain = &member{item: "member", key: "key", val: "value"}

func (w *xmlWriter) list(name string, m *member, v reflect.Value) {
	if m.flat {
		for i := 0; i < v.Len(); i++ {
			w.member(name, plain, v.Index(i))
		}
		return
	}
	w.open(name)
	for i := 0; i < v.Len(); i++ {
		w.member(m.item, plain, v.Index(i))
	}
	w.close(name)
}

func (w *xmlWriter) mapping(name string, m *member, v reflect.Value) {
	keys := v.MapKeys()
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	entry := "entry"
	if m.flat {
		entry = name
	} else {
		w.open(name)
	}
	for _, k := range keys {
		w.open(entry)
		w.element(m.key, k.String())
		w.member(m.val, plain, v.MapIndex(k))
		w.close(entry)
	}
	if !m.flat {
		w.close(name)
	}
}

var textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()

func isTextMarshaler(v reflect.Value) bool { return v.Type().Implements(textMarshaler) }

var timeType = reflect.TypeFor[time.Time]()

// scalarText formats a scalar as the XML protocols do; a time.Time is
// ISO 8601 with milliseconds, as Timestamp and AWS write it.
func scalarText(v reflect.Value) string {
	if v.Type() == timeType {
		return v.Interface().(time.Time).UTC().Format("2006-01-02T15:04:05.000Z")
	}
	if isTextMarshaler(v) {
		b, _ := v.Interface().(encoding.TextMarshaler).MarshalText()
		return string(b)
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	case reflect.Slice:
		return base64.StdEncoding.EncodeToString(v.Bytes())
	}
	return fmt.Sprint(v.Interface())
}

// queryResponse writes an awsQuery response: the output (nil for an
// operation without one) as <OpResult> in <OpResponse>, and the request id.
func queryResponse(op, namespace, requestID string, out any) []byte {
	var w xmlWriter
	w.WriteString(xml.Header)
	fmt.Fprintf(&w, `<%sResponse xmlns="%s">`, op, namespace)
	if out != nil {
		// Operations with an output have their Result element even when it
		// is empty (botocore's parser requires it).
		w.open(op + "Result")
		if v := reflect.Indirect(reflect.ValueOf(out)); v.IsValid() {
			w.members(v)
		}
		w.close(op + "Result")
	}
	w.open("ResponseMetadata")
	w.element("RequestId", requestID)
	w.close("ResponseMetadata")
	w.close(op + "Response")
	return w.Bytes()
}
