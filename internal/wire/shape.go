package wire

import (
	"reflect"
	"strings"
	"sync"
)

// A member's names and traits, read once per Go type from its struct tags:
//
//	json:"Name,omitempty"   the member's name in JSON and CBOR bodies (and,
//	                        by default, everywhere else)
//	query:"Name,flat,attr,member=M,key=K,value=V"
//	                        its name in query forms and XML when that
//	                        differs; flat for an xmlFlattened list or map;
//	                        attr for an XML attribute; the list's member
//	                        name ("member") and the map's key and value
//	                        names ("key", "value")
//	xml:"Name,attr,omitempty" / xml:"Wrapper>Item"
//	                        as encoding/xml reads them, when there is no
//	                        query tag: its XML name; a list is flattened
//	                        unless the tag names its wrapper and items;
//	                        ",chardata" is the element's text; "-"
//	                        leaves it out of XML (restXml documents,
//	                        which are decoded with encoding/xml)
//	wire:"path=N" / "query=N" / "header=N" / "headers=Prefix" / "status" / "payload"
//	                        where a REST protocol binds it (else the body)
//
// These are the Smithy traits jsonName, xmlName, xmlFlattened,
// xmlAttribute, httpLabel, httpQuery, httpHeader, httpPrefixHeaders,
// httpResponseCode and httpPayload.
type member struct {
	index     []int
	json      string // "" for a field that is not serialised (json:"-")
	omitEmpty bool
	name      string // query and XML name
	flat      bool
	item      string // list member name
	key, val  string // map entry names
	attr      bool
	noXML     bool // xml:"-"
	chardata  bool // xml:",chardata": the element's text
	xmlOnly   bool // json:"-" with an xml name
	bind      binding
}

// binding is where a REST protocol puts a member.
type binding struct {
	kind string // "", "path", "query", "header", "headers", "status", "payload"
	name string
}

type shape struct {
	members []member
	byJSON  map[string]*member
}

var shapes sync.Map // reflect.Type -> *shape

// codecOf returns the codec (a form decoder, an XML encoder) cache holds
// for type t, made by build once. A recursive type meets itself while it
// is being built: it gets forward(ready), a codec that waits until ready
// has the real one and calls that.
func codecOf[C any](cache *sync.Map, t reflect.Type, build func(reflect.Type) C, forward func(ready func() C) C) C {
	if c, ok := cache.Load(t); ok {
		return c.(C)
	}
	var wg sync.WaitGroup
	var made C
	wg.Add(1)
	c, loaded := cache.LoadOrStore(t, forward(func() C {
		wg.Wait()
		return made
	}))
	if loaded {
		return c.(C)
	}
	made = build(t)
	wg.Done()
	cache.Store(t, made)
	return made
}

// shapeOf returns the members of struct type t.
func shapeOf(t reflect.Type) *shape {
	if s, ok := shapes.Load(t); ok {
		return s.(*shape)
	}
	s := &shape{byJSON: map[string]*member{}}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		// Embedded structs' members are promoted, as encoding/json does,
		// even when the struct's type is unexported.
		if f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("json") == "" {
			for _, m := range shapeOf(f.Type).members {
				m.index = append([]int{i}, m.index...)
				s.members = append(s.members, m)
			}
			continue
		}
		if !f.IsExported() || f.Name == "XMLName" {
			continue
		}
		s.members = append(s.members, memberOf(f, i))
	}
	for i := range s.members {
		if m := &s.members[i]; m.json != "" {
			s.byJSON[m.json] = m
		}
	}
	shapes.Store(t, s)
	return s
}

func memberOf(f reflect.StructField, i int) member {
	m := member{index: []int{i}, json: f.Name, item: "member", key: "key", val: "value"}
	if tag, ok := f.Tag.Lookup("json"); ok {
		name, opts, _ := strings.Cut(tag, ",")
		switch {
		case name == "-":
			m.json = ""
		case name != "":
			m.json = name
		}
		m.omitEmpty = strings.Contains(opts, "omitempty")
	}
	m.name = m.json
	if tag, ok := f.Tag.Lookup("xml"); ok && f.Tag.Get("query") == "" {
		m.xmlTraits(tag, f.Type)
	}
	if tag, ok := f.Tag.Lookup("query"); ok {
		parts := strings.Split(tag, ",")
		if parts[0] != "" {
			m.name = parts[0]
		}
		for _, p := range parts[1:] {
			k, v, _ := strings.Cut(p, "=")
			switch k {
			case "flat":
				m.flat = true
			case "attr":
				m.attr = true
			case "member":
				m.item = v
			case "key":
				m.key = v
			case "value":
				m.val = v
			}
		}
	}
	if tag := f.Tag.Get("wire"); tag != "" {
		k, v, _ := strings.Cut(tag, "=")
		m.bind = binding{kind: k, name: v}
		if v == "" && k != "status" && k != "payload" {
			m.bind.name = m.json
		}
	}
	return m
}

// xmlTraits reads an encoding/xml tag: a slice is flattened unless the
// tag is "Wrapper>Item".
func (m *member) xmlTraits(tag string, t reflect.Type) {
	name, opts, _ := strings.Cut(tag, ",")
	if name == "-" {
		m.noXML = true
		return
	}
	m.omitEmpty = strings.Contains(opts, "omitempty")
	m.attr = strings.Contains(opts, "attr")
	m.chardata = strings.Contains(opts, "chardata")
	wrapper, item, wrapped := strings.Cut(name, ">")
	switch {
	case wrapped:
		m.name, m.item = wrapper, item
	case name != "":
		m.name = name
	}
	if (m.name != "" || m.chardata) && m.json == "" {
		m.xmlOnly = true
	}
	m.flat = !wrapped && t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8
}

// field returns the member's field of struct value v.
func (m *member) field(v reflect.Value) reflect.Value {
	return v.FieldByIndex(m.index)
}

// isEmpty reports whether v is the zero value json's omitempty omits.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Slice, reflect.Map, reflect.String, reflect.Array:
		return v.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	}
	return false
}
