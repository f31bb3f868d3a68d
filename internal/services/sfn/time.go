package sfn

import (
	"bytes"
	"strconv"
	"time"
)

// Time is a timestamp as AWS JSON protocols write it: seconds since the
// epoch, with milliseconds as a fraction.
type Time struct{ time.Time }

// At wraps t, truncated to the millisecond AWS keeps.
func At(t time.Time) *Time { return &Time{t.Truncate(time.Millisecond)} }

// MarshalJSON writes epoch seconds.
func (t Time) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

// UnmarshalJSON reads epoch seconds.
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	t.Time = time.UnixMilli(int64(f*1000 + 0.5)).UTC()
	return nil
}

// Clock tells the time and makes timers; tests use a fake one.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
