package wire

import (
	"encoding/binary"
	"hash/crc32"
)

// EventStreamContentType is the media type of AWS's event streams.
const EventStreamContentType = "application/vnd.amazon.eventstream"

// EventHeader is a header of an event-stream message; nubo sends string
// values only (type 7), which is all AWS's event messages carry.
type EventHeader struct{ Name, Value string }

// AppendEventMessage appends one message of AWS's event-stream encoding to
// dst: a prelude (total and headers lengths, the prelude's CRC-32), the
// headers, the payload and the message's CRC-32, as the SDKs decode the
// responses of InvokeWithResponseStream, SelectObjectContent and the like.
func AppendEventMessage(dst []byte, headers []EventHeader, payload []byte) []byte {
	hlen := 0
	for _, h := range headers {
		hlen += 1 + len(h.Name) + 1 + 2 + len(h.Value)
	}
	total := 12 + hlen + len(payload) + 4
	start := len(dst)
	dst = binary.BigEndian.AppendUint32(dst, uint32(total))
	dst = binary.BigEndian.AppendUint32(dst, uint32(hlen))
	dst = binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:start+8]))
	for _, h := range headers {
		dst = append(dst, byte(len(h.Name)))
		dst = append(dst, h.Name...)
		dst = append(dst, 7) // string
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(h.Value)))
		dst = append(dst, h.Value...)
	}
	dst = append(dst, payload...)
	return binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:]))
}

// AppendEvent appends an event message: :message-type "event", its
// :event-type and, for a payload, its :content-type.
func AppendEvent(dst []byte, eventType, contentType string, payload []byte) []byte {
	headers := []EventHeader{{":event-type", eventType}, {":message-type", "event"}}
	if contentType != "" {
		headers = append(headers, EventHeader{":content-type", contentType})
	}
	return AppendEventMessage(dst, headers, payload)
}
