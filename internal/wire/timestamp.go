package wire

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"time"
)

// Timestamp is a point in time in each protocol's default format: epoch
// seconds (with milliseconds) in JSON, an ISO 8601 string in query forms
// and XML, a CBOR tag 1 in RPC v2 CBOR.
type Timestamp struct{ time.Time }

// At returns t as a Timestamp.
func At(t time.Time) Timestamp { return Timestamp{t} }

// TimestampOf returns a pointer to t as a Timestamp, or nil for the zero
// time (an absent member).
func TimestampOf(t time.Time) *Timestamp {
	if t.IsZero() {
		return nil
	}
	return &Timestamp{t}
}

// MarshalJSON writes epoch seconds.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(t.UnixMilli())/1000, 'f', -1, 64), nil
}

// UnmarshalJSON reads epoch seconds, or an ISO 8601 string.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		s, err := strconv.Unquote(string(b))
		if err != nil {
			return err
		}
		return t.UnmarshalText([]byte(s))
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return errors.New("a timestamp must be epoch seconds")
	}
	t.Time = epoch(f)
	return nil
}

// MarshalText writes ISO 8601 with milliseconds, as the query protocol
// and XML do.
func (t Timestamp) MarshalText() ([]byte, error) {
	return []byte(t.UTC().Format("2006-01-02T15:04:05.000Z")), nil
}

// UnmarshalText reads the ISO 8601 forms clients send, or epoch seconds.
func (t *Timestamp) UnmarshalText(b []byte) error {
	s := string(bytes.TrimSpace(b))
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04:05Z0700", "2006-01-02"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v
			return nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		t.Time = epoch(f)
		return nil
	}
	return errors.New("not a timestamp: " + strconv.Quote(s))
}

// MarshalCBOR writes tag 1 with epoch seconds.
func (t Timestamp) MarshalCBOR() ([]byte, error) {
	return cborCodec.enc.Marshal(t.Time)
}

// UnmarshalCBOR reads tag 1 (or a bare number).
func (t *Timestamp) UnmarshalCBOR(b []byte) error {
	var v any
	if err := cborCodec.dec.Unmarshal(b, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case time.Time:
		t.Time = v
	case uint64:
		t.Time = time.Unix(int64(v), 0).UTC()
	case int64:
		t.Time = time.Unix(v, 0).UTC()
	case float64:
		t.Time = epoch(v)
	default:
		return errors.New("a timestamp must be CBOR tag 1")
	}
	return nil
}

func epoch(seconds float64) time.Time {
	s, frac := math.Modf(seconds)
	return time.Unix(int64(s), int64(math.Round(frac*1e3))*1e6).UTC()
}
