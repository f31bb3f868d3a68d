package wire_test

import (
	"bytes"
	"testing"

	"github.com/aws/smithy-go/eventstream"

	"github.com/nubo-dev/nubo/internal/wire"
)

// The SDKs' own decoder reads what AppendEvent writes.
func TestEventStreamDecodes(t *testing.T) {
	var buf []byte
	buf = wire.AppendEvent(buf, "PayloadChunk", "application/octet-stream", []byte("hello "))
	buf = wire.AppendEvent(buf, "PayloadChunk", "application/octet-stream", bytes.Repeat([]byte("x"), 70000))
	buf = wire.AppendEvent(buf, "InvokeComplete", "", nil)
	dec := eventstream.NewDecoder()
	r := bytes.NewReader(buf)
	for i, want := range []struct {
		event string
		size  int
	}{{"PayloadChunk", 6}, {"PayloadChunk", 70000}, {"InvokeComplete", 0}} {
		m, err := dec.Decode(r, nil)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if got := m.Headers.Get(":event-type"); got == nil || got.String() != want.event {
			t.Errorf("message %d: event type %v, want %s", i, got, want.event)
		}
		if got := m.Headers.Get(":message-type"); got == nil || got.String() != "event" {
			t.Errorf("message %d: message type %v", i, got)
		}
		if len(m.Payload) != want.size {
			t.Errorf("message %d: payload of %d bytes, want %d", i, len(m.Payload), want.size)
		}
	}
	if r.Len() != 0 {
		t.Errorf("%d bytes left", r.Len())
	}
}
