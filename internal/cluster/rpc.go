package cluster

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/store"
)

// Calls between nodes go to the subject of the node called, each framed
// as: method length (2 bytes), method, timeout in ms (4 bytes), hops (1
// byte), payload; answers as a status byte (0: ok, 1: error) and the
// payload or the error's JSON.

// Handler serves a method called from another node.
type Handler func(ctx context.Context, payload []byte) ([]byte, error)

type handler = Handler

func rpcSubject(node string) string { return "nubo.node." + store.Key(node) }

// Handle registers method; calls of methods nobody registered fail.
func (c *Cluster) Handle(method string, h Handler) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.handlers[method] = h
}

// Codes registers the error codes that calls may return, so that an error
// from another node is the same *awserr.Code here (errors.Is works on it).
func (c *Cluster) Codes(codes ...*awserr.Code) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.codes == nil {
		c.codes = map[string]*awserr.Code{}
	}
	for _, code := range codes {
		c.codes[code.Name] = code
	}
}

type hopsKey struct{}

// hops counts how many nodes passed the call on before this one.
func hops(ctx context.Context) int {
	n, _ := ctx.Value(hopsKey{}).(int)
	return n
}

// Call calls method on node with payload and returns its answer. A node
// that is gone answers store.ErrNoResponders.
func (c *Cluster) Call(ctx context.Context, node, method string, payload []byte) ([]byte, error) {
	timeout := 30 * time.Second
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
	}
	msg := make([]byte, 0, 7+len(method)+len(payload))
	msg = binary.BigEndian.AppendUint16(msg, uint16(len(method)))
	msg = append(msg, method...)
	msg = binary.BigEndian.AppendUint32(msg, uint32(max(timeout.Milliseconds(), 1)))
	msg = append(msg, byte(hops(ctx)+1))
	msg = append(msg, payload...)
	rctx, cancel := context.WithTimeoutCause(ctx, timeout, context.DeadlineExceeded)
	defer cancel()
	gctx, gone := context.WithCancelCause(rctx)
	defer c.trackCall(node, gone)()
	out, err := c.bus.Request(gctx, rpcSubject(node), msg)
	if cause := context.Cause(gctx); errors.Is(cause, ErrNodeGone) {
		return nil, cause
	}
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("cluster: empty answer")
	}
	if out[0] == 0 {
		return out[1:], nil
	}
	var re RemoteError
	if err := json.Unmarshal(out[1:], &re); err != nil {
		return nil, fmt.Errorf("cluster: unreadable error from %s: %w", node, err)
	}
	return nil, c.DecodeError(&re)
}

// ErrNodeGone ends a call whose node died before it answered: the call
// may or may not have done its work there.
var ErrNodeGone = store.Interrupted("the node called died before it answered")

// trackCall records a call to node until the returned func is called, so
// that checkCalls can end it when node dies (a request to a dying server
// may never be answered, nor refused).
func (c *Cluster) trackCall(node string, gone context.CancelCauseFunc) func() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]map[*context.CancelCauseFunc]bool{}
	}
	if c.calls[node] == nil {
		c.calls[node] = map[*context.CancelCauseFunc]bool{}
	}
	key := &gone
	c.calls[node][key] = true
	return func() {
		c.mu.Lock()
		delete(c.calls[node], key)
		c.mu.Unlock()
	}
}

// checkCalls ends the calls to nodes that died.
func (c *Cluster) checkCalls() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for node, calls := range c.calls {
		if len(calls) == 0 || c.liveLocked(node, "") {
			continue
		}
		for gone := range calls {
			(*gone)(fmt.Errorf("%w (%s)", ErrNodeGone, node))
		}
	}
}

// serve answers a call of this node.
func (c *Cluster) serve(ctx context.Context, msg []byte) []byte {
	method, timeout, hop, payload, err := parseCall(msg)
	var out []byte
	if err == nil {
		c.mu.Lock()
		h := c.handlers[method]
		c.mu.Unlock()
		if h == nil {
			err = fmt.Errorf("cluster: node %s has no method %q", c.self.Name, method)
		} else {
			cctx, cancel := context.WithTimeout(context.WithValue(ctx, hopsKey{}, hop), timeout)
			out, err = h(cctx, payload)
			cancel()
		}
	}
	if err != nil {
		b, _ := json.Marshal(c.EncodeError(err))
		return append([]byte{1}, b...)
	}
	return append([]byte{0}, out...)
}

func parseCall(msg []byte) (method string, timeout time.Duration, hop int, payload []byte, err error) {
	if len(msg) < 2 {
		return "", 0, 0, nil, errors.New("cluster: short call")
	}
	n := int(binary.BigEndian.Uint16(msg))
	if len(msg) < 2+n+5 {
		return "", 0, 0, nil, errors.New("cluster: short call")
	}
	method = string(msg[2 : 2+n])
	timeout = time.Duration(binary.BigEndian.Uint32(msg[2+n:])) * time.Millisecond
	hop = int(msg[6+n])
	return method, timeout, hop, msg[7+n:], nil
}

// RemoteError is an error as it travels between nodes.
type RemoteError struct {
	// Code is set for an *awserr.Error.
	Code    *awserr.Code      `json:"code,omitempty"`
	Message string            `json:"message"`
	Fields  map[string]any    `json:"fields,omitempty"`
	Header  map[string]string `json:"header,omitempty"`
	// Unavailable marks store.ErrUnavailable (and what wraps it): Message
	// is then its AWS message, Detail the whole error; Interrupted marks
	// store.ErrInterrupted besides.
	Unavailable bool   `json:"unavailable,omitempty"`
	Interrupted bool   `json:"interrupted,omitempty"`
	Detail      string `json:"detail,omitempty"`
}

// EncodeError turns err into a RemoteError (nil for nil).
func (c *Cluster) EncodeError(err error) *RemoteError {
	if err == nil {
		return nil
	}
	var ae *awserr.Error
	if errors.Is(err, store.ErrUnavailable) {
		errors.As(err, &ae)
		return &RemoteError{Unavailable: true, Interrupted: errors.Is(err, store.ErrInterrupted), Message: ae.Message, Detail: err.Error()}
	}
	if errors.As(err, &ae) {
		return &RemoteError{Code: ae.Code, Message: ae.Message, Fields: ae.Fields, Header: ae.Header}
	}
	return &RemoteError{Message: err.Error()}
}

// DecodeError turns a RemoteError back into the error it was, with the
// registered code of its name (nil for nil).
func (c *Cluster) DecodeError(re *RemoteError) error {
	switch {
	case re == nil:
		return nil
	case re.Unavailable && re.Interrupted:
		return fmt.Errorf("%w (%s)", store.InterruptedMessage(re.Message), re.Detail)
	case re.Unavailable:
		return fmt.Errorf("%w (%s)", store.UnavailableMessage(re.Message), re.Detail)
	case re.Code == nil:
		return errors.New(re.Message)
	}
	c.mu.Lock()
	code := c.codes[re.Code.Name]
	c.mu.Unlock()
	if code == nil || code.Status != re.Code.Status {
		code = re.Code
	}
	return &awserr.Error{Code: code, Message: re.Message, Fields: re.Fields, Header: re.Header}
}
