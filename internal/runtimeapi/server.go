// Package runtimeapi serves the Lambda Runtime API (2018-06-01) and a
// minimal Extensions API (2020-01-01) for one execution environment, and is
// the engine's handle on that environment's runtime: Invoke hands an event
// to the runtime's parked /next and returns what the runtime posts back.
package runtimeapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// MaxPayload is the largest buffered response a runtime may post: 6 MiB
// plus 100 bytes, as in AWS's RAPID.
const MaxPayload = 6*1024*1024 + 100

// Invocation is one event for the runtime: the invocation, its deadline
// and how it ends.
type Invocation struct {
	*lambda.Invocation
	Deadline time.Time
	// Delivered, when set, is called as the runtime takes the event, before
	// it sees a byte of it.
	Delivered func()

	done  chan Result
	relay *relay // set when the invocation takes a stream
}

// Outcome says how an invocation ended.
type Outcome int

const (
	// Success: the runtime posted a response.
	Success Outcome = iota
	// FunctionError: the runtime posted /error, or error trailers.
	FunctionError
	// ResponseTooLarge: the response passed MaxPayload.
	ResponseTooLarge
	// Truncated: the response body ended early.
	Truncated
	// InvalidResponseMode: an unknown Lambda-Runtime-Function-Response-Mode.
	InvalidResponseMode
)

// Result is what the runtime answered.
type Result struct {
	Outcome     Outcome
	Payload     []byte
	ContentType string
	// ErrorType is the Lambda-Runtime-Function-Error-Type the runtime sent.
	ErrorType string
	// Size is the response size when Outcome is ResponseTooLarge, and a
	// streamed response's.
	Size int64
	// Streamed says the response went to the invocation's stream.
	Streamed bool
}

// ErrorReport is an error a runtime posted to /runtime/init/error.
type ErrorReport struct {
	ErrorType string
	Payload   []byte
}

// Info is what the Extensions API tells a registering extension.
type Info struct {
	FunctionName, FunctionVersion, Handler, AccountID string
}

var (
	// ErrNotDelivered is returned by Invoke when the runtime exited, or the
	// server closed, before the runtime took the event: nothing ran.
	ErrNotDelivered = errors.New("runtime gone before the event was delivered")
	// ErrClosed is returned by Invoke when the server closes mid-invocation.
	ErrClosed = errors.New("runtime api closed")
	// ErrExited is returned by Invoke when the runtime exits mid-invocation.
	ErrExited = errors.New("runtime exited")
)

// Server is one environment's Runtime API.
type Server struct {
	info   Info
	events chan *Invocation
	closed chan struct{}
	once   sync.Once

	mu          sync.Mutex
	state       state
	current     *Invocation
	responded   bool
	initErr     *ErrorReport
	initDone    chan struct{}
	runtimeNext bool
	// nextSignal is signalled (without blocking) on every runtime /next.
	nextSignal chan struct{}
	exts       extensions
}

type state int

const (
	stateInit state = iota
	stateReady
	stateInvoke
)

var stateNames = [...]string{"Init", "Ready", "Invoke"}

// New returns a Server for an environment of the function info describes.
func New(info Info) *Server {
	s := &Server{
		info:       info,
		events:     make(chan *Invocation),
		closed:     make(chan struct{}),
		initDone:   make(chan struct{}),
		nextSignal: make(chan struct{}, 1),
		exts:       extensions{byID: map[string]*extension{}},
	}
	return s
}

// InitDone is closed once the runtime and every registered extension have
// called their /next: the environment finished Init.
func (s *Server) InitDone() <-chan struct{} { return s.initDone }

// InitError is what the runtime posted to /runtime/init/error, if anything.
func (s *Server) InitError() *ErrorReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.initErr
}

// Extensions is the number of registered extensions.
func (s *Server) Extensions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.exts.byID)
}

// Invoke hands inv to the runtime and waits for its answer, ctx's end, the
// runtime's exit (exited closing), or Close.
func (s *Server) Invoke(ctx context.Context, inv *Invocation, exited <-chan struct{}) (Result, error) {
	inv.done = make(chan Result, 1)
	if inv.Stream != nil {
		inv.relay = &relay{stream: inv.Stream}
		defer inv.relay.close()
	}
	if err := s.waitExtensionsParked(ctx); err != nil {
		return Result{}, err
	}
	select {
	case s.events <- inv:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	case <-exited:
		return Result{}, ErrNotDelivered
	case <-s.closed:
		return Result{}, ErrNotDelivered
	}
	s.deliverInvoke(inv)
	select {
	case r := <-inv.done:
		return r, nil
	case <-ctx.Done():
		return Result{}, ctx.Err()
	case <-exited:
		// The runtime may have answered just before exiting.
		select {
		case r := <-inv.done:
			return r, nil
		default:
			return Result{}, ErrExited
		}
	case <-s.closed:
		return Result{}, ErrClosed
	}
}

// Close ends every parked call; the environment is going away.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closed) })
}

// markRuntimeNext records the runtime's /next: the previous invocation is
// over, and the first call may complete Init.
func (s *Server) markRuntimeNext() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == stateInvoke && !s.responded {
		return transitionError(s.state, "InvocationNext")
	}
	s.state, s.current = stateReady, nil
	s.runtimeNext = true
	s.checkInitLocked()
	select {
	case s.nextSignal <- struct{}{}:
	default:
	}
	return nil
}

// Parked waits until the runtime has asked for the next event and every
// extension subscribed to INVOKE waits for its own: the environment is
// idle, as Lambda has it before freezing one. It fails when ctx ends, the
// runtime exits (exited closing) or the server closes.
func (s *Server) Parked(ctx context.Context, exited <-chan struct{}) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the goroutine below
	go func() {
		select {
		case <-exited:
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := s.waitExtensionsParked(ctx); err != nil {
		return err
	}
	for {
		s.mu.Lock()
		ready := s.state == stateReady
		s.mu.Unlock()
		if ready {
			return nil
		}
		select {
		case <-s.nextSignal:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closed:
			return ErrClosed
		}
	}
}

// checkInitLocked closes initDone when the runtime and all extensions are
// waiting for events.
func (s *Server) checkInitLocked() {
	select {
	case <-s.initDone:
		return
	default:
	}
	if s.runtimeNext && s.exts.allCalledNext() {
		close(s.initDone)
	}
}

// claim checks a /response or /error call against the current invocation
// and marks it answered.
func (s *Server) claim(id, to string) (*Invocation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.current == nil:
		return nil, transitionError(s.state, to)
	case s.current.RequestID != id:
		return nil, errInvalidRequestID
	case s.responded:
		return nil, transitionError(s.state, to)
	}
	s.responded = true
	return s.current, nil
}

func (inv *Invocation) headers(h http.Header) {
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.RequestID)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.Deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", inv.Target.InvokedARN)
	setIfNotEmpty(h, "Lambda-Runtime-Trace-Id", inv.TraceID)
	setIfNotEmpty(h, "Lambda-Runtime-Client-Context", inv.ClientContext)
	h.Set("Content-Type", "application/json")
}

func setIfNotEmpty(h http.Header, k, v string) {
	if v != "" {
		h.Set(k, v)
	}
}
