package runtimeapi

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// MaxStreamPayload is the largest streamed response: 20 MiB, Lambda's soft
// limit; past it the stream is cut and the invocation fails with
// Function.ResponseSizeTooLarge.
const MaxStreamPayload = 20 << 20

var errStreamTooLarge = &apiError{http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", fmt.Sprintf("Exceeded maximum allowed payload size (%d bytes).", MaxStreamPayload)}

// relay hands a streamed response to an invocation's stream until the
// invocation ends: after close, what the runtime still sends is dropped,
// so a caller that has answered is never written to.
type relay struct {
	mu     sync.Mutex
	stream lambda.ResponseStream
	closed bool
	failed bool // the caller's stream refused a write: drop the rest
}

func (g *relay) begin(contentType string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed {
		g.stream.Begin(contentType)
	}
}

func (g *relay) write(p []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed || g.failed {
		return
	}
	if _, err := g.stream.Write(p); err != nil {
		g.failed = true
	}
}

func (g *relay) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

// streams reports whether a /response is relayed as it arrives: the
// caller takes a stream, and the runtime streams (the response mode
// header, or a chunked body as aws-lambda-go sends).
func streams(inv *Invocation, r *http.Request) bool {
	return inv.relay != nil && (r.Header.Get("Lambda-Runtime-Function-Response-Mode") == "streaming" || r.ContentLength < 0)
}

// relayResponse relays a streamed /response: each piece the runtime sends
// goes to the caller at once, up to MaxStreamPayload; error trailers after
// the body fail the invocation.
func (s *Server) relayResponse(w http.ResponseWriter, r *http.Request, inv *Invocation) {
	inv.relay.begin(r.Header.Get("Content-Type"))
	buf := make([]byte, 32<<10)
	var size int64
	var readErr error
	for {
		n, err := r.Body.Read(buf)
		if n > 0 {
			if size+int64(n) <= MaxStreamPayload {
				inv.relay.write(buf[:n])
			}
			size += int64(n)
		}
		if err != nil {
			if err != io.EOF {
				readErr = err
			}
			break
		}
		if size > MaxStreamPayload+(1<<30) { // stop counting what nobody gets
			break
		}
	}
	res := Result{Outcome: Success, Streamed: true, Size: size}
	switch {
	case size > MaxStreamPayload:
		res.Outcome = ResponseTooLarge
	case readErr != nil:
		res.Outcome = Truncated
	case r.Trailer.Get("Lambda-Runtime-Function-Error-Type") != "":
		payload, _ := base64.StdEncoding.DecodeString(r.Trailer.Get("Lambda-Runtime-Function-Error-Body"))
		res = Result{Outcome: FunctionError, Streamed: true, Size: size, ErrorType: r.Trailer.Get("Lambda-Runtime-Function-Error-Type"),
			Payload: payload, ContentType: "application/json"}
	}
	inv.done <- res
	switch res.Outcome {
	case Truncated:
		writeError(w, errTruncated)
	case ResponseTooLarge:
		writeError(w, errStreamTooLarge)
	default:
		writeAccepted(w)
	}
}
