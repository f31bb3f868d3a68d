package frontdoor

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
)

// HTTPIntegrationResponse is the content type of a streamed response that
// opens with a prelude (awslambda.HttpResponseStream.from in Node.js,
// events.LambdaFunctionURLStreamingResponse in Go): a JSON object with
// statusCode, headers and cookies, eight NUL bytes, then the body.
const HTTPIntegrationResponse = "application/vnd.awslambda.http-integration-response"

// maxPrelude bounds a prelude; a longer one is malformed.
const maxPrelude = 64 << 10

var preludeEnd = make([]byte, 8)

// HTTPStream relays a function's streamed response to an HTTP client as
// the runtime sends it, each write flushed: the first bytes reach the
// client while the function still runs. It is the lambda.ResponseStream of
// a RESPONSE_STREAM function URL.
type HTTPStream struct {
	w http.ResponseWriter
	// Prepare, when set, adjusts the headers just before they are sent
	// (CORS, the request id).
	Prepare func(h http.Header)

	begun, sent, prelude bool
	noBody               bool // the status allows none: the body is dropped
	buf                  []byte
	err                  error
}

// NewHTTPStream returns a stream to w.
func NewHTTPStream(w http.ResponseWriter) *HTTPStream { return &HTTPStream{w: w} }

// Begin is called once, before the first Write, with the response's
// content type.
func (s *HTTPStream) Begin(contentType string) {
	s.begun = true
	if contentType == HTTPIntegrationResponse {
		s.prelude = true
		return
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	s.w.Header().Set("Content-Type", contentType)
	s.send(http.StatusOK)
}

// Begun reports whether the function streamed: Begin was called.
func (s *HTTPStream) Begun() bool { return s.begun }

// Sent reports whether the response's status and headers went out; after
// a stream that began but was never sent (its prelude was malformed or
// cut short), the caller answers with a failure.
func (s *HTTPStream) Sent() bool { return s.sent }

// Write relays p, after the prelude when there is one.
func (s *HTTPStream) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n := len(p)
	if s.prelude && !s.sent {
		s.buf = append(s.buf, p...)
		i := bytes.Index(s.buf, preludeEnd)
		if i < 0 {
			if len(s.buf) > maxPrelude {
				s.err = ErrMalformed
				return 0, s.err
			}
			return n, nil
		}
		if s.err = s.sendPrelude(s.buf[:i]); s.err != nil {
			return 0, s.err
		}
		p, s.buf = s.buf[i+len(preludeEnd):], nil
	}
	if len(p) == 0 || s.noBody {
		return n, nil
	}
	if _, err := s.w.Write(p); err != nil {
		s.err = err
		return 0, err
	}
	http.NewResponseController(s.w).Flush()
	return n, nil
}

// sendPrelude sends the status, headers and cookies of a prelude.
func (s *HTTPStream) sendPrelude(raw []byte) error {
	var p struct {
		StatusCode json.RawMessage            `json:"statusCode"`
		Headers    map[string]json.RawMessage `json:"headers"`
		Cookies    []string                   `json:"cookies"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return ErrMalformed
	}
	status := http.StatusOK
	if len(p.StatusCode) > 0 {
		var err error
		if status, err = statusOf(p.StatusCode); err != nil {
			return err
		}
	}
	h := s.w.Header()
	for k, raw := range p.Headers {
		v, ok := scalar(raw)
		if !ok {
			return ErrMalformed
		}
		h.Set(k, v)
	}
	for _, c := range p.Cookies {
		h.Add("Set-Cookie", c)
	}
	remap(h)
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/octet-stream")
	}
	s.send(status)
	return nil
}

func (s *HTTPStream) send(status int) {
	if s.Prepare != nil {
		s.Prepare(s.w.Header())
	}
	s.w.WriteHeader(status)
	s.sent, s.noBody = true, !bodyAllowed(status)
	http.NewResponseController(s.w).Flush()
}

// Err is why the stream stopped relaying, if it did.
func (s *HTTPStream) Err() error { return s.err }

// IsMalformed reports whether err is a malformed function output.
func IsMalformed(err error) bool { return errors.Is(err, ErrMalformed) }
