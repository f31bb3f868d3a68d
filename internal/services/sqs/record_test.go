package sqs

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func sampleMessage() *message {
	now := time.UnixMilli(1767225600123)
	return &message{
		id: "6f1c2a9e-0000-4000-8000-000000000001", body: "hello \x00 wörld", groupID: "g", dedupID: "d", sourceARN: "arn:aws:sqs:us-east-1:000000000000:src",
		senderID: "000000000000", receipt: "abcdef", sent: now, seq: 1767225600123000001, receives: 3, firstReceive: now.Add(time.Second),
		visibleAt: now.Add(time.Minute), inflight: true, heapIndex: -1,
		attrs:  map[string]MessageAttribute{"b": {DataType: "Binary", BinaryValue: []byte{0, 1, 2}}, "a": {DataType: "Number.int", StringValue: "7"}},
		system: map[string]MessageAttribute{"AWSTraceHeader": {DataType: "String", StringValue: "Root=1-abc"}},
	}
}

// A message's row reads back as the message, binary or as the JSON of
// earlier versions.
func TestRecordRoundTrip(t *testing.T) {
	m := sampleMessage()
	m.md5Body, m.md5Attrs, m.md5System = MD5OfBody(m.body), MD5OfAttributes(m.attrs), MD5OfAttributes(m.system)
	got, err := decodeRecord(appendRecord(nil, m))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("binary round trip:\n got %+v\nwant %+v", got, m)
	}
	legacy, _ := json.Marshal(record{ID: m.id, Body: m.body, Attrs: m.attrs, System: m.system, Sent: msOf(m.sent), Seq: m.seq, Group: m.groupID,
		Dedup: m.dedupID, Source: m.sourceARN, Sender: m.senderID, Receives: m.receives, FirstReceive: msOf(m.firstReceive),
		VisibleAt: msOf(m.visibleAt), InFlight: m.inflight, Receipt: m.receipt})
	if got, err = decodeRecord(legacy); err != nil || !reflect.DeepEqual(got, m) {
		t.Errorf("JSON row: %+v, %v", got, err)
	}
	d := dedupEntry{id: m.id, seq: m.seq, expires: m.visibleAt}
	if got, err := decodeDedup(appendDedup(nil, d)); err != nil || got != d {
		t.Errorf("dedup round trip: %+v, %v", got, err)
	}
	legacy, _ = json.Marshal(dedupRecord{ID: d.id, Seq: d.seq, Exp: msOf(d.expires)})
	if got, err := decodeDedup(legacy); err != nil || got != d {
		t.Errorf("JSON dedup row: %+v, %v", got, err)
	}
}

// FuzzDecodeRecord: any row decodes without panicking, and a message
// encoded from what was decoded decodes to the same.
func FuzzDecodeRecord(f *testing.F) {
	f.Add(appendRecord(nil, sampleMessage()))
	f.Add(appendDedup(nil, dedupEntry{id: "x", seq: 1, expires: time.UnixMilli(5)}))
	f.Add([]byte(`{"id":"x","b":"y"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		decodeDedup(b)
		m, err := decodeRecord(b)
		if err != nil {
			return
		}
		again, err := decodeRecord(appendRecord(nil, m))
		if err != nil || !reflect.DeepEqual(again, m) {
			t.Fatalf("re-encoded %+v reads back as %+v, %v", m, again, err)
		}
	})
}
