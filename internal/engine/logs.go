package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// flushDelay bounds how long a line waits in memory before it is stored
// when no invocation ends to flush it.
const flushDelay = 200 * time.Millisecond

// tailBytes is how much of an invocation's log X-Amz-Log-Result carries.
const tailBytes = 4096

// logStream collects one environment's log events, in order, and hands
// them to the sink in batches: at the end of each invocation, or after
// flushDelay.
type logStream struct {
	sink        LogSink
	id          string // the environment's id, the end of the stream's name
	group, name string

	flushMu sync.Mutex // keeps batches in order on their way to the sink
	mu      sync.Mutex
	pending []lambda.LogEvent
	tail    *bytes.Buffer // the current invocation's log text, when wanted
	timer   *time.Timer   // flushes after flushDelay, while armed
	armed   bool
}

func newLogStream(sink LogSink, id, group, name string) *logStream {
	l := &logStream{sink: sink, id: id, group: group, name: name}
	l.timer = time.AfterFunc(flushDelay, l.flush)
	l.timer.Stop()
	return l
}

// line appends one event.
func (l *logStream) line(s string) {
	now := time.Now().UnixMilli()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = append(l.pending, lambda.LogEvent{Timestamp: now, Message: s})
	if l.tail != nil {
		l.tail.WriteString(s)
		l.tail.WriteByte('\n')
	}
	if !l.armed {
		l.armed = true
		l.timer.Reset(flushDelay)
	}
}

// capture starts collecting the text of an invocation's log, unless it
// already is (a cold start collects from INIT_START on).
func (l *logStream) capture() {
	l.mu.Lock()
	if l.tail == nil {
		l.tail = &bytes.Buffer{}
	}
	l.mu.Unlock()
}

// captured stops collecting and returns the last 4 KB.
func (l *logStream) captured() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tail == nil {
		return nil
	}
	b := l.tail.Bytes()
	l.tail = nil
	if len(b) > tailBytes {
		b = b[len(b)-tailBytes:]
	}
	return b
}

// flush hands pending events to the sink.
func (l *logStream) flush() {
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	l.mu.Lock()
	events := l.pending
	l.pending = make([]lambda.LogEvent, 0, len(events)) // the next batch is likely alike
	if l.armed {
		l.armed = false
		l.timer.Stop()
	}
	l.mu.Unlock()
	if len(events) > 0 && l.sink != nil {
		l.sink.Append(l.group, l.name, events)
	}
}

// runtimeVersionHash is the hex id in a runtime version ARN.
func runtimeVersionHash(version string) string {
	sum := sha256.Sum256([]byte(version))
	return hex.EncodeToString(sum[:])
}
