package engine

import "time"

// Record is one invocation as its REPORT line tells it. Logs, metrics and
// the meter are all made from these numbers, so that they always agree.
type Record struct {
	Time     time.Time // when the invocation ended
	Region   string
	Function string
	// Version is the executed version; Qualifier the version or alias the
	// caller named ("" for none).
	Version, Qualifier string
	RequestID          string
	Duration           time.Duration
	// InitDuration is set on cold starts; it is billed with the invocation.
	InitDuration time.Duration
	BilledMs     int64
	MemoryMB     int
	MaxMemoryMB  int
	Architecture string
	// Error is set when the invocation failed in any way (a function error,
	// a crash, a timeout); Status and ErrorType say more, as REPORT does.
	Error     bool
	Status    string
	ErrorType string
}

// Observer receives every invocation's record and every throttle. Its
// methods are called on the invoke path and must be quick.
type Observer interface {
	Invoked(Record)
	Throttled(region, function, qualifier string)
}
