package cloudwatch

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// Requests are decoded into, and responses built from, one tree that all
// three protocols share: map[string]any for structures, dict for map
// shapes, []any for lists, and string, float64, int64, uint64, bool and
// time.Time for scalars. Numbers and times arrive in each protocol's own
// form (query strings, JSON numbers, CBOR tags); the accessors of params
// read them all.

// dict is a map shape (as opposed to a structure): the query protocol
// writes it as entry/key/value elements.
type dict map[string]any

// params is a decoded request (or a structure in it).
type params map[string]any

func (p params) str(k string) string {
	s, _ := p[k].(string)
	return s
}

func (p params) has(k string) bool { _, ok := p[k]; return ok }

// num reads a number, whatever the protocol sent.
func (p params) num(k string) (float64, bool) {
	switch v := p[k].(type) {
	case float64:
		return v, true
	case int64:
		return float64(v), true
	case uint64:
		return float64(v), true
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	return 0, false
}

// boolean reads a boolean, or def when absent.
func (p params) boolean(k string, def bool) bool {
	switch v := p[k].(type) {
	case bool:
		return v
	case string:
		b, err := strconv.ParseBool(v)
		if err == nil {
			return b
		}
	}
	return def
}

// time reads a timestamp: a CBOR time, JSON epoch seconds, or an ISO 8601
// string (query).
func (p params) time(k string) (time.Time, bool) {
	switch v := p[k].(type) {
	case time.Time:
		return v, true
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04:05Z0700", "2006-01-02"} {
			if t, err := time.Parse(layout, v); err == nil {
				return t, true
			}
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return epoch(f), true
		}
	default:
		if f, ok := p.num(k); ok {
			return epoch(f), true
		}
	}
	return time.Time{}, false
}

func epoch(seconds float64) time.Time {
	s, frac := math.Modf(seconds)
	return time.Unix(int64(s), int64(frac*1e9)).UTC()
}

func (p params) list(k string) []any {
	l, _ := p[k].([]any)
	return l
}

func (p params) obj(k string) params {
	return asParams(p[k])
}

func asParams(v any) params {
	switch m := v.(type) {
	case map[string]any:
		return m
	case params:
		return m
	}
	return nil
}

// strings reads a list of strings.
func (p params) strings(k string) []string {
	var out []string
	for _, v := range p.list(k) {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// decodeQuery reads a query-protocol form ("Dimensions.member.1.Name=...")
// into a tree.
func decodeQuery(form url.Values) params {
	root := map[string]any{}
	for key, values := range form {
		if len(values) == 0 {
			continue
		}
		parts := strings.Split(key, ".")
		node := root
		for i, part := range parts {
			if i == len(parts)-1 {
				node[part] = values[0]
				break
			}
			next, ok := node[part].(map[string]any)
			if !ok {
				next = map[string]any{}
				node[part] = next
			}
			node = next
		}
	}
	out, ok := normalize(root).(map[string]any)
	if !ok {
		return params{} // a form of nothing but "member.N" keys
	}
	return out
}

// normalize turns {"member": {"1": a, "2": b}} into [a, b].
func normalize(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if members, ok := m["member"].(map[string]any); ok && len(m) == 1 {
		idx := make([]int, 0, len(members))
		for k := range members {
			if n, err := strconv.Atoi(k); err == nil {
				idx = append(idx, n)
			}
		}
		sort.Ints(idx)
		list := make([]any, 0, len(idx))
		for _, n := range idx {
			list = append(list, normalize(members[strconv.Itoa(n)]))
		}
		return list
	}
	for k, e := range m {
		m[k] = normalize(e)
	}
	return m
}

// writeXML renders a query-protocol response body.
func writeXML(buf *bytes.Buffer, op string, result map[string]any, requestID string) {
	buf.WriteString(xml.Header)
	fmt.Fprintf(buf, `<%sResponse xmlns="%s"><%sResult>`, op, xmlNamespace, op)
	writeXMLFields(buf, result)
	fmt.Fprintf(buf, `</%sResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`, op, requestID, op)
}

func writeXMLFields(buf *bytes.Buffer, m map[string]any) {
	for _, k := range sortedKeys(m) {
		fmt.Fprintf(buf, "<%s>", k)
		writeXMLValue(buf, m[k])
		fmt.Fprintf(buf, "</%s>", k)
	}
}

func writeXMLValue(buf *bytes.Buffer, v any) {
	switch t := v.(type) {
	case map[string]any:
		writeXMLFields(buf, t)
	case dict:
		for _, k := range sortedKeys(t) {
			buf.WriteString("<entry><key>")
			xml.EscapeText(buf, []byte(k))
			buf.WriteString("</key><value>")
			writeXMLValue(buf, t[k])
			buf.WriteString("</value></entry>")
		}
	case []any:
		for _, e := range t {
			buf.WriteString("<member>")
			writeXMLValue(buf, e)
			buf.WriteString("</member>")
		}
	case time.Time:
		buf.WriteString(t.UTC().Format("2006-01-02T15:04:05.000Z"))
	case float64:
		buf.WriteString(strconv.FormatFloat(t, 'f', -1, 64))
	default:
		xml.EscapeText(buf, []byte(fmt.Sprint(t)))
	}
}

func sortedKeys[M ~map[string]any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// toJSON makes a tree JSON-encodable as awsJson1_0 wants it: timestamps
// as epoch seconds.
func toJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = toJSON(e)
		}
		return out
	case dict:
		return toJSON(map[string]any(t))
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = toJSON(e)
		}
		return out
	case time.Time:
		return json.Number(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64))
	}
	return v
}

// toCBOR makes a tree CBOR-encodable (dict is a plain map there).
func toCBOR(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = toCBOR(e)
		}
		return out
	case dict:
		return toCBOR(map[string]any(t))
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = toCBOR(e)
		}
		return out
	}
	return v
}

// cborCodec encodes timestamps with tag 1, as Smithy RPC v2 CBOR wants,
// and decodes maps with string keys.
type cborCodec struct {
	enc cbor.EncMode
	dec cbor.DecMode
}

func newCBORCodec() (*cborCodec, error) {
	enc, err := cbor.EncOptions{Time: cbor.TimeUnixDynamic, TimeTag: cbor.EncTagRequired}.EncMode()
	if err != nil {
		return nil, err
	}
	dec, err := cbor.DecOptions{DefaultMapType: reflect.TypeOf(map[string]any(nil))}.DecMode()
	if err != nil {
		return nil, err
	}
	return &cborCodec{enc: enc, dec: dec}, nil
}
