package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// ServeHTTP serves one request of the service: it finds the protocol and
// the operation, decodes the input, calls the operation and writes its
// output or error.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c := CallOf(ctx)
	if c.Request == nil { // served without the Router (tests)
		c = &Call{ID: c.ID, Region: c.Region}
		ctx = WithCall(ctx, c)
		r = r.WithContext(ctx)
	}
	c.Service, c.Request, c.service = s.Name, r, s
	if s.BodyHeaders != nil {
		w = hookedWriter{w, s.BodyHeaders}
	}
	if s.Wrap == nil {
		s.serve(w, r)
		return
	}
	s.wrapOnce.Do(func() { s.wrapped = s.Wrap(http.HandlerFunc(s.serve)) })
	s.wrapped.ServeHTTP(w, r)
}

// serve is ServeHTTP once the request carries its Call.
func (s *Service) serve(w http.ResponseWriter, r *http.Request) {
	c := CallOf(r.Context())
	c.Request = r
	ctx := r.Context()
	rpc := s.rpcProtocol(r)
	rest := s.REST != nil && rpc == 0
	switch {
	case rest:
		c.Protocol = s.REST.protocol()
	case rpc != 0:
		c.Protocol = rpc
	default: // in no protocol of the service: answered in its own
		c.Protocol = s.ownProtocol()
	}
	if err := s.admit(r, c); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.authenticate(r, c); err != nil {
		s.fail(w, r, err)
		return
	}
	if rest {
		s.serveREST(w, r)
		return
	}
	if rpc == 0 {
		s.fail(w, r, awserr.New(awserr.UnknownOperation, "The request is not in a protocol %s speaks.", s.Name))
		return
	}
	out, err := s.serveRPC(ctx, r, c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.write(w, c, out)
}

// rpcProtocol tells which RPC protocol of the service r speaks, or 0.
func (s *Service) rpcProtocol(r *http.Request) Protocol {
	switch {
	case s.CBOR != nil && strings.EqualFold(r.Header.Get("Smithy-Protocol"), "rpc-v2-cbor"):
		return CBOR
	case s.JSON != nil && s.JSON.matches(r.Header.Get("X-Amz-Target")):
		if s.JSON.Version == "1.1" {
			return JSON11
		}
		return JSON10
	case s.Query != nil && (r.Header.Get("X-Amz-Target") == "" || s.JSON == nil):
		return Query
	}
	return 0
}

// ownProtocol is the protocol the service answers a request in none of
// its protocols with: its JSON, else query, else CBOR.
func (s *Service) ownProtocol() Protocol {
	switch {
	case s.JSON != nil && s.JSON.Version == "1.1":
		return JSON11
	case s.JSON != nil:
		return JSON10
	case s.Query != nil:
		return Query
	}
	return CBOR
}

// serveRPC decodes and calls the operation of a JSON, CBOR or query
// request.
func (s *Service) serveRPC(ctx context.Context, r *http.Request, c *Call) (any, error) {
	body, err := s.readBody(r)
	if err != nil {
		return nil, err
	}
	var form url.Values
	switch c.Protocol {
	case CBOR:
		c.Operation = cborOperation(r.URL.Path, s.CBOR.Service)
	case Query:
		if form, err = queryForm(r, body); err != nil {
			return nil, s.badRequest("The request's form could not be parsed: %v", err)
		}
		c.Operation = form.Get("Action")
	default:
		c.Operation, _ = s.JSON.target(r.Header.Get("X-Amz-Target"))
	}
	op := s.op(c.Operation)
	if op == nil || op.HTTP != "" {
		return nil, s.unknown(c)
	}
	in := reflect.New(op.in)
	switch c.Protocol {
	case CBOR:
		if len(body) > 0 {
			err = cborCodec.dec.Unmarshal(body, in.Interface())
		}
	case Query:
		if s.Query.Prepare != nil {
			s.Query.Prepare(ctx, form)
		}
		err = decodeForm(form, in.Interface())
	default:
		if len(bytes.TrimSpace(body)) == 0 {
			break
		}
		if d, ok := in.Interface().(jsonDecoder); ok && d.DecodeJSON(body) {
			break
		}
		in = reflect.New(op.in) // what a jsonDecoder left is dropped
		err = json.Unmarshal(body, in.Interface())
	}
	if err != nil {
		return nil, s.decodeError(err)
	}
	if err := s.authorizeOp(ctx, op, in.Interface()); err != nil {
		return nil, err
	}
	out, err := op.call(ctx, in.Interface())
	if err != nil {
		return nil, err
	}
	return out, nil
}

// write encodes out (nil for an operation without output) in the call's
// protocol.
func (s *Service) write(w http.ResponseWriter, c *Call, out any) {
	var body []byte
	var err error
	switch c.Protocol {
	case Query:
		if out == nil && !s.op(c.Operation).noOutput {
			out = struct{}{}
		}
		body = queryResponse(c.Operation, s.Query.Namespace, c.ID, out)
	case CBOR:
		w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
		if out == nil {
			out = struct{}{}
		}
		body, err = cborCodec.enc.Marshal(out)
	default:
		if a, ok := out.(jsonAppender); ok {
			// The body is written whole before the buffer goes back:
			// a Writer may not keep what it is given.
			buf := bodies.Get().(*[]byte)
			*buf = a.AppendJSON((*buf)[:0])
			writeBody(w, c.Protocol.contentType(), http.StatusOK, *buf)
			if cap(*buf) <= maxPooledBody {
				bodies.Put(buf)
			}
			return
		}
		if out == nil {
			out = struct{}{}
		}
		body, err = json.Marshal(out)
	}
	if err != nil {
		s.fail(w, c.Request, fmt.Errorf("encode %s output: %w", c.Operation, err))
		return
	}
	writeBody(w, c.Protocol.contentType(), http.StatusOK, body)
}

// jsonAppender is an output that writes its own JSON, faster than
// encoding/json would (DynamoDB's pages of items); it must write the JSON
// value json.Marshal would. It writes into a buffer of bodies, so that a
// page of a megabyte is not grown from nothing each time.
type jsonAppender interface {
	AppendJSON(dst []byte) []byte
}

// bodies are buffers for jsonAppenders' bodies, of up to maxPooledBody.
var bodies = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledBody = 4 << 20

// jsonDecoder is an input that reads its own JSON, faster than
// encoding/json would (DynamoDB's items); it must decode to what
// json.Unmarshal would, and may return false for any input it does not
// read so, which encoding/json then decodes (and words its errors).
type jsonDecoder interface {
	DecodeJSON(body []byte) bool
}

// readBody reads the request body within the service's limit.
func (s *Service) readBody(r *http.Request) ([]byte, error) {
	limit := s.Errors.MaxBody
	if limit == 0 {
		limit = 1 << 20
	}
	if r.ContentLength > limit {
		return nil, s.tooLarge(limit)
	}
	body, err := readAll(http.MaxBytesReader(nil, r.Body, limit), r.ContentLength)
	var big *http.MaxBytesError
	if errors.As(err, &big) {
		return nil, s.tooLarge(limit)
	}
	if err != nil {
		return nil, s.badRequest("The request body could not be read: %v", err)
	}
	return body, nil
}

// readAll reads r to its end into a buffer of size bytes (the request's
// Content-Length) when that is known, instead of growing one.
func readAll(r io.Reader, size int64) ([]byte, error) {
	if size <= 0 {
		return io.ReadAll(r)
	}
	b := make([]byte, size+1) // one more, to see the end
	n, err := io.ReadFull(r, b)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return b[:n], nil
	case err != nil:
		return nil, err
	}
	rest, err := io.ReadAll(r) // longer than it said
	return append(b, rest...), err
}

// queryForm is a query request's form: the posted body and the URL's
// query, the body winning.
func queryForm(r *http.Request, body []byte) (url.Values, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	for k, v := range r.URL.Query() {
		if _, ok := form[k]; !ok {
			form[k] = v
		}
	}
	return form, nil
}

// cborOperation reads <Op> from /service/<svc>/operation/<Op>.
func cborOperation(path, service string) string {
	op, ok := strings.CutPrefix(path, "/service/"+service+"/operation/")
	if !ok {
		return ""
	}
	return op
}

func (s *Service) unknown(c *Call) error {
	if c.Protocol == Query {
		return awserr.New(invalidAction, "The action %s is not valid for this endpoint.", c.Operation)
	}
	return awserr.New(awserr.UnknownOperation, "The operation %s is not supported by %s.", c.Operation, s.Name)
}

// invalidAction is the query protocol's unknown operation.
var invalidAction = &awserr.Code{Name: "InvalidAction", Status: http.StatusBadRequest}

func (s *Service) tooLarge(limit int64) error {
	if s.Errors.TooLarge != nil {
		return s.Errors.TooLarge
	}
	return awserr.New(&awserr.Code{Name: "RequestEntityTooLarge", Status: http.StatusRequestEntityTooLarge},
		"Request must be smaller than %d bytes.", limit)
}

func (s *Service) badRequest(format string, args ...any) error {
	code := s.Errors.BadRequest
	if code == nil {
		code = awserr.Serialization
	}
	return awserr.New(code, format, args...)
}

// decodeError words a decoding failure for the client.
func (s *Service) decodeError(err error) error {
	var fe *FormError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &fe):
		return s.badRequest("%s", fe.Error())
	case errors.As(err, &te):
		return s.badRequest("Value for parameter %s is invalid. Reason: it must be of type %s.", te.Field, te.Type)
	}
	return s.badRequest("The request body could not be decoded: %v", err)
}

// fail writes err in the request's protocol; errors that are not
// *awserr.Error are logged and sent as the service's internal error.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, err error) {
	c := CallOf(r.Context())
	if s.Errors.Translate != nil {
		err = s.Errors.Translate(err)
	}
	var e *awserr.Error
	if !errors.As(err, &e) {
		s.log().Error("request failed", "service", s.Name, "operation", c.Operation, "err", err)
		code, msg := s.Errors.Internal, s.Errors.InternalMessage
		if code == nil {
			code = awserr.Internal
		}
		if msg == "" {
			msg = "An internal error occurred: " + err.Error()
		}
		e = awserr.New(code, "%s", msg)
	} else if e.Code.Status >= 500 && e.Code.Status != http.StatusNotImplemented {
		// 501 is an answer (S3's NotImplemented), not a failure of nubo.
		s.log().Error("request failed", "service", s.Name, "operation", c.Operation, "err", err)
	}
	writeError(w, c.Protocol, s.QueryCompatible, c.ID, e)
}
