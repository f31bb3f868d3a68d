package s3api

import (
	"context"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/nubo-dev/nubo/internal/services/s3"
	"github.com/nubo-dev/nubo/internal/sigv4"
	"github.com/nubo-dev/nubo/internal/wire"
)

// hostID is what S3 sends as x-amz-id-2 and HostId: which of its hosts
// answered. nubo is one.
const hostID = "nubo"

// Request is one request as the metrics see it.
type Request struct {
	Region    string
	Bucket    string
	Operation string
	Method    string
	Status    int
	// BytesIn is the request's body (decoded); BytesOut the answer's.
	BytesIn, BytesOut int64
	// FirstByte is the time to the answer's headers; Total to its end.
	FirstByte, Total time.Duration
}

// wrap is what every S3 request goes through around its operation: S3's
// request id headers, the caller the domain records in notifications,
// the CORS headers of a cross-origin request, and the request metrics.
func (a *api) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		c := wire.CallOf(r.Context())
		h := w.Header()
		h.Set("x-amz-request-id", c.ID)
		h.Set("x-amz-id-2", hostID)
		t := targetOf(r)
		a.actualCORS(r, t.bucket, h)
		r = r.WithContext(s3.WithCaller(r.Context(), s3.Caller{
			RequestID: c.ID, HostID: hostID, SourceIP: sourceIP(r), Region: c.Region,
		}))
		if a.metrics == nil || t.bucket == "" {
			next.ServeHTTP(w, r)
			return
		}
		rec := &recorder{ResponseWriter: w, start: start}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		// The request as the operation saw it: its length is the decoded
		// one of an aws-chunked body.
		in := max(wire.CallOf(r.Context()).Request.ContentLength, 0)
		a.metrics.Request(Request{
			Region: c.Region, Bucket: t.bucket, Operation: c.Operation, Method: r.Method, Status: rec.status,
			BytesIn: in, BytesOut: rec.bytes, FirstByte: rec.firstByte, Total: time.Since(start),
		})
	})
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// requestBody is the body an operation reads: the request's, decoded
// first when it is aws-chunked (sigv4.Verify decodes and checks signed
// ones; without authentication the chunks are decoded here).
func requestBody(ctx context.Context, bound io.Reader) (io.Reader, error) {
	r := wire.CallOf(ctx).Request
	if r == nil {
		return bound, nil
	}
	if err := sigv4.DecodeChunked(r); err != nil {
		return nil, err
	}
	return r.Body, nil
}

// recorder notes an answer's status, size and time to first byte. It
// keeps the ResponseWriter's ReadFrom, so object bodies still go out with
// sendfile.
type recorder struct {
	http.ResponseWriter
	start     time.Time
	status    int
	bytes     int64
	firstByte time.Duration
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status, w.firstByte = code, time.Since(w.start)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

func (w *recorder) ReadFrom(src io.Reader) (int64, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	n, err := io.Copy(w.ResponseWriter, src)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
