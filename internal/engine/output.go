package engine

import (
	"bytes"
	"errors"
	"os"
	"sync"
	"syscall"
)

// maxEventBytes is the largest log event; longer lines are split, as
// CloudWatch Logs caps events at 256 KB.
const maxEventBytes = 256 * 1024

// output reads an environment's stdout/stderr pipe and turns it into lines.
// The background reader and Sync both read the non-blocking pipe under mu,
// so that after Sync returns every byte written before it has been handed
// to onLine: a runtime's output precedes its /response, and END must follow
// that output.
type output struct {
	f      *os.File
	rc     syscall.RawConn
	onLine func(string)

	mu      sync.Mutex
	partial []byte
	buf     []byte
	eof     bool
	done    chan struct{}
}

func newOutput(f *os.File, onLine func(string)) (*output, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	o := &output{f: f, rc: rc, onLine: onLine, buf: make([]byte, 32*1024), done: make(chan struct{})}
	go o.run()
	return o, nil
}

// run reads until the pipe's writers are all gone.
func (o *output) run() {
	defer close(o.done)
	for {
		err := o.rc.Read(func(fd uintptr) bool {
			o.mu.Lock()
			defer o.mu.Unlock()
			return o.drainLocked(int(fd))
		})
		o.mu.Lock()
		eof := o.eof
		o.mu.Unlock()
		if eof || err != nil {
			o.Sync()
			o.f.Close()
			return
		}
	}
}

// drainLocked reads everything the pipe holds now. It reports whether it
// stopped for a reason other than "nothing more to read yet".
func (o *output) drainLocked(fd int) bool {
	for {
		n, err := syscall.Read(fd, o.buf)
		if n > 0 {
			o.lines(o.buf[:n])
			continue
		}
		if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
			return false
		}
		o.eof = true // n == 0 (every writer closed) or a hard error
		return true
	}
}

func (o *output) lines(b []byte) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			o.partial = append(o.partial, b...)
			if len(o.partial) >= maxEventBytes {
				o.onLine(string(o.partial[:maxEventBytes]))
				o.partial = append(o.partial[:0], o.partial[maxEventBytes:]...)
			}
			return
		}
		line := b[:i]
		if len(o.partial) > 0 {
			line = append(o.partial, line...)
			o.partial = o.partial[:0]
		}
		for len(line) > maxEventBytes {
			o.onLine(string(line[:maxEventBytes]))
			line = line[maxEventBytes:]
		}
		o.onLine(string(line))
		b = b[i+1:]
	}
}

// Sync hands every byte written so far to onLine, including a last line
// that has no newline yet.
func (o *output) Sync() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.eof {
		// Control, unlike Read, does not wait for the background reader,
		// which holds the read lock while it waits for data.
		o.rc.Control(func(fd uintptr) { o.drainLocked(int(fd)) })
	}
	if len(o.partial) > 0 {
		o.onLine(string(o.partial))
		o.partial = o.partial[:0]
	}
}
