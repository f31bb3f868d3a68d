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
	"sync"
	"time"
)

// xmlWriter renders Go values as AWS's XML protocols do (query responses
// and REST-XML bodies), guided by their shapes (see member): structure
// members in declaration order, lists wrapped in <member> elements or
// flattened, maps as entry/key/value or flattened. How to write each Go
// type is worked out once (xmlEncoderOf), not for every value.
type xmlWriter struct{ bytes.Buffer }

func (w *xmlWriter) open(name string) { w.WriteByte('<'); w.WriteString(name); w.WriteByte('>') }
func (w *xmlWriter) close(name string) {
	w.WriteString("</")
	w.WriteString(name)
	w.WriteByte('>')
}

// text writes s escaped as encoding/xml's EscapeText does.
func (w *xmlWriter) text(s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '&' || c == '<' || c == '>' || c == '"' || c == '\'' {
			xml.EscapeText(w, []byte(s))
			return
		}
	}
	w.WriteString(s)
}

// element writes <name>s</name>.
func (w *xmlWriter) element(name, s string) {
	w.open(name)
	w.text(s)
	w.close(name)
}

// members writes the members of struct v as elements.
func (w *xmlWriter) members(v reflect.Value) {
	for _, f := range xmlPlanOf(v.Type()).elements {
		fv := f.m.field(v)
		if f.m.omitEmpty && isEmpty(fv) || fv.Kind() == reflect.Pointer && fv.IsNil() {
			continue
		}
		if f.m.chardata {
			w.text(scalarText(reflect.Indirect(fv)))
			continue
		}
		f.enc(w, f.m.name, f.m, fv)
	}
}

// attributes writes the XML attributes of struct v (with a leading space).
func (w *xmlWriter) attributes(v reflect.Value) {
	for _, f := range xmlPlanOf(v.Type()).attrs {
		fv := f.m.field(v)
		if isEmpty(fv) {
			continue
		}
		w.WriteByte(' ')
		w.WriteString(f.m.name)
		w.WriteString(`="`)
		w.text(scalarText(reflect.Indirect(fv)))
		w.WriteByte('"')
	}
}

// member writes value v of member m under name.
func (w *xmlWriter) member(name string, m *member, v reflect.Value) {
	if !v.IsValid() {
		return
	}
	xmlEncoderOf(v.Type())(w, name, m, v)
}

// xmlPlan is how to write the members of one structure type.
type xmlPlan struct {
	elements, attrs []xmlField
}

type xmlField struct {
	m   *member
	enc xmlEncoder
}

var xmlPlans sync.Map // reflect.Type -> *xmlPlan

func xmlPlanOf(t reflect.Type) *xmlPlan {
	if p, ok := xmlPlans.Load(t); ok {
		return p.(*xmlPlan)
	}
	p := &xmlPlan{}
	s := shapeOf(t)
	for i := range s.members {
		m := &s.members[i]
		switch {
		case m.noXML:
		case m.attr:
			p.attrs = append(p.attrs, xmlField{m: m})
		case (m.json != "" || m.xmlOnly) && m.bind.kind == "":
			p.elements = append(p.elements, xmlField{m: m, enc: xmlEncoderOf(t.FieldByIndex(m.index).Type)})
		}
	}
	xmlPlans.Store(t, p)
	return p
}

// xmlEncoder writes value v (of the encoder's type) of member m under name.
type xmlEncoder func(w *xmlWriter, name string, m *member, v reflect.Value)

var xmlEncoders sync.Map // reflect.Type -> xmlEncoder

// xmlEncoderOf returns the encoder of type t, made once.
func xmlEncoderOf(t reflect.Type) xmlEncoder {
	return codecOf(&xmlEncoders, t, newXMLEncoder, func(ready func() xmlEncoder) xmlEncoder {
		return func(w *xmlWriter, name string, m *member, v reflect.Value) { ready()(w, name, m, v) }
	})
}

var textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()

func newXMLEncoder(t reflect.Type) xmlEncoder {
	switch {
	case t.Kind() == reflect.Pointer:
		elem := xmlEncoderOf(t.Elem())
		return func(w *xmlWriter, name string, m *member, v reflect.Value) {
			if !v.IsNil() {
				elem(w, name, m, v.Elem())
			}
		}
	case t.Kind() == reflect.Interface:
		return func(w *xmlWriter, name string, m *member, v reflect.Value) {
			if !v.IsNil() {
				w.member(name, m, v.Elem())
			}
		}
	case t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8:
		return listEncoder(t)
	case t.Kind() == reflect.Map:
		return mapEncoder(t)
	case t.Kind() == reflect.Struct && !t.Implements(textMarshaler) && t != timeType:
		return func(w *xmlWriter, name string, m *member, v reflect.Value) {
			w.WriteByte('<')
			w.WriteString(name)
			w.attributes(v)
			w.WriteByte('>')
			w.members(v)
			w.close(name)
		}
	case t.Kind() == reflect.String && !t.Implements(textMarshaler):
		return func(w *xmlWriter, name string, m *member, v reflect.Value) { w.element(name, v.String()) }
	}
	return func(w *xmlWriter, name string, m *member, v reflect.Value) { w.element(name, scalarText(v)) }
}

var plain = &member{item: "member", key: "key", val: "value"}

func listEncoder(t reflect.Type) xmlEncoder {
	elem := xmlEncoderOf(t.Elem())
	return func(w *xmlWriter, name string, m *member, v reflect.Value) {
		if m.flat {
			for i := 0; i < v.Len(); i++ {
				elem(w, name, plain, v.Index(i))
			}
			return
		}
		w.open(name)
		for i := 0; i < v.Len(); i++ {
			elem(w, m.item, plain, v.Index(i))
		}
		w.close(name)
	}
}

func mapEncoder(t reflect.Type) xmlEncoder {
	elem := xmlEncoderOf(t.Elem())
	return func(w *xmlWriter, name string, m *member, v reflect.Value) {
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
			elem(w, m.val, plain, v.MapIndex(k))
			w.close(entry)
		}
		if !m.flat {
			w.close(name)
		}
	}
}

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
	w.Grow(512)
	w.WriteString(xml.Header)
	w.WriteByte('<')
	w.WriteString(op)
	w.WriteString(`Response xmlns="`)
	w.WriteString(namespace)
	w.WriteString(`">`)
	if out != nil {
		// Operations with an output have their Result element even when it
		// is empty (botocore's parser requires it).
		w.WriteByte('<')
		w.WriteString(op)
		w.WriteString("Result>")
		if v := reflect.Indirect(reflect.ValueOf(out)); v.IsValid() {
			w.members(v)
		}
		w.WriteString("</")
		w.WriteString(op)
		w.WriteString("Result>")
	}
	w.open("ResponseMetadata")
	w.element("RequestId", requestID)
	w.close("ResponseMetadata")
	w.WriteString("</")
	w.WriteString(op)
	w.WriteString("Response>")
	return w.Bytes()
}
