package sqs

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"sort"
	"time"
)

// A message's row is a version byte (recordVersion), then its fields in a
// fixed order: strings and byte strings as a uvarint length and the bytes,
// numbers as uvarints, attributes as a count and, for each in name order,
// its name, data type, string and binary values. Rows written by earlier
// versions are JSON (record); they are still read.
const (
	recordVersion = 1
	dedupVersion  = 2
)

// record is a message as JSON rows of earlier versions hold it.
type record struct {
	ID           string                      `json:"id"`
	Body         string                      `json:"b"`
	Attrs        map[string]MessageAttribute `json:"a,omitempty"`
	System       map[string]MessageAttribute `json:"s,omitempty"`
	Sent         int64                       `json:"t"`
	Seq          uint64                      `json:"q"`
	Group        string                      `json:"g,omitempty"`
	Dedup        string                      `json:"d,omitempty"`
	Source       string                      `json:"src,omitempty"`
	Sender       string                      `json:"snd,omitempty"`
	Receives     int                         `json:"r,omitempty"`
	FirstReceive int64                       `json:"fr,omitempty"`
	VisibleAt    int64                       `json:"v,omitempty"`
	InFlight     bool                        `json:"f,omitempty"`
	Receipt      string                      `json:"rh,omitempty"`
}

func msOf(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func timeOf(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendAttributes(b []byte, attrs map[string]MessageAttribute) []byte {
	b = binary.AppendUvarint(b, uint64(len(attrs)))
	if len(attrs) == 0 {
		return b
	}
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		a := attrs[n]
		b = appendString(b, n)
		b = appendString(b, a.DataType)
		b = appendString(b, a.StringValue)
		b = appendString(b, string(a.BinaryValue))
	}
	return b
}

// recordSize bounds the size of m's row.
func (m *message) recordSize() int {
	n := 1 + 13*binary.MaxVarintLen64 + len(m.id) + len(m.body) + len(m.groupID) + len(m.dedupID) + len(m.sourceARN) + len(m.senderID) + len(m.receipt)
	for _, attrs := range []map[string]MessageAttribute{m.attrs, m.system} {
		for name, a := range attrs {
			n += 4*binary.MaxVarintLen64 + len(name) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
		}
	}
	return n
}

// appendRecord encodes m as its row.
func appendRecord(b []byte, m *message) []byte {
	b = append(b, recordVersion)
	for _, s := range []string{m.id, m.body, m.groupID, m.dedupID, m.sourceARN, m.senderID, m.receipt} {
		b = appendString(b, s)
	}
	b = appendAttributes(b, m.attrs)
	b = appendAttributes(b, m.system)
	inflight := uint64(0)
	if m.inflight {
		inflight = 1
	}
	for _, n := range []uint64{uint64(msOf(m.sent)), m.seq, uint64(m.receives), uint64(msOf(m.firstReceive)), uint64(msOf(m.visibleAt)), inflight} {
		b = binary.AppendUvarint(b, n)
	}
	return b
}

var errRecord = errors.New("sqs: unreadable row")

// reader decodes the fields appendRecord wrote; the first failure sticks.
type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	n, k := binary.Uvarint(r.b)
	if k <= 0 {
		r.err, r.b = errRecord, nil
		return 0
	}
	r.b = r.b[k:]
	return n
}

func (r *reader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err, r.b = errRecord, nil
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) attributes() map[string]MessageAttribute {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err, r.b = errRecord, nil
	}
	if n == 0 || r.err != nil {
		return nil
	}
	out := make(map[string]MessageAttribute, n)
	for i := uint64(0); i < n && r.err == nil; i++ {
		name := r.string()
		a := MessageAttribute{DataType: r.string(), StringValue: r.string()}
		if v := r.string(); v != "" {
			a.BinaryValue = []byte(v)
		}
		out[name] = a
	}
	return out
}

// decodeRecord reads a message's row, binary or JSON.
func decodeRecord(b []byte) (*message, error) {
	if len(b) > 0 && b[0] == '{' {
		var rec record
		if err := json.Unmarshal(b, &rec); err != nil || rec.ID == "" {
			return nil, errRecord
		}
		return fromRecord(&rec), nil
	}
	if len(b) == 0 || b[0] != recordVersion {
		return nil, errRecord
	}
	r := &reader{b: b[1:]}
	m := &message{heapIndex: -1}
	for _, s := range []*string{&m.id, &m.body, &m.groupID, &m.dedupID, &m.sourceARN, &m.senderID, &m.receipt} {
		*s = r.string()
	}
	m.attrs, m.system = r.attributes(), r.attributes()
	sent, seq, receives, first, visible, inflight := r.uvarint(), r.uvarint(), r.uvarint(), r.uvarint(), r.uvarint(), r.uvarint()
	if r.err != nil || len(r.b) > 0 || m.id == "" {
		return nil, errRecord
	}
	m.sent, m.seq, m.receives = timeOf(int64(sent)), seq, int(receives)
	m.firstReceive, m.visibleAt, m.inflight = timeOf(int64(first)), timeOf(int64(visible)), inflight == 1
	m.md5Body, m.md5Attrs, m.md5System = MD5OfBody(m.body), MD5OfAttributes(m.attrs), MD5OfAttributes(m.system)
	return m, nil
}

func fromRecord(r *record) *message {
	if len(r.Attrs) == 0 {
		r.Attrs = nil
	}
	if len(r.System) == 0 {
		r.System = nil
	}
	m := &message{
		id: r.ID, body: r.Body, attrs: r.Attrs, system: r.System, sent: timeOf(r.Sent), seq: r.Seq,
		groupID: r.Group, dedupID: r.Dedup, sourceARN: r.Source, senderID: r.Sender,
		receives: r.Receives, firstReceive: timeOf(r.FirstReceive), visibleAt: timeOf(r.VisibleAt),
		inflight: r.InFlight, receipt: r.Receipt, heapIndex: -1,
	}
	m.md5Body, m.md5Attrs, m.md5System = MD5OfBody(m.body), MD5OfAttributes(m.attrs), MD5OfAttributes(m.system)
	return m
}

// dedupRecord is a remembered deduplication id as JSON rows of earlier
// versions hold it.
type dedupRecord struct {
	ID  string `json:"id"`
	Seq uint64 `json:"q"`
	Exp int64  `json:"e"`
}

func appendDedup(b []byte, d dedupEntry) []byte {
	b = append(b, dedupVersion)
	b = appendString(b, d.id)
	b = binary.AppendUvarint(b, d.seq)
	return binary.AppendUvarint(b, uint64(msOf(d.expires)))
}

// decodeDedup reads a deduplication id's row, binary or JSON.
func decodeDedup(b []byte) (dedupEntry, error) {
	if len(b) > 0 && b[0] == '{' {
		var d dedupRecord
		err := json.Unmarshal(b, &d)
		return dedupEntry{id: d.ID, seq: d.Seq, expires: timeOf(d.Exp)}, err
	}
	if len(b) == 0 || b[0] != dedupVersion {
		return dedupEntry{}, errRecord
	}
	r := &reader{b: b[1:]}
	d := dedupEntry{id: r.string(), seq: r.uvarint()}
	d.expires = timeOf(int64(r.uvarint()))
	if r.err != nil || len(r.b) > 0 {
		return dedupEntry{}, errRecord
	}
	return d, nil
}
