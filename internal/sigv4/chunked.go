package sigv4

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// maxChunkLine bounds a chunk's header line and a trailer line.
const maxChunkLine = 4096

// Chunk string-to-sign algorithms.
const (
	chunkAlgorithm   = "AWS4-HMAC-SHA256-PAYLOAD"
	trailerAlgorithm = "AWS4-HMAC-SHA256-TRAILER"
)

// chunkSigner holds what the chain of chunk signatures needs: the signing
// key, scope, request time and the previous signature (first the seed, the
// request's own).
type chunkSigner struct {
	key     []byte
	scope   Scope
	amzDate string
	prev    string
}

// chunk returns the signature of a chunk whose data hashes to dataHash,
// and moves the chain on.
func (s *chunkSigner) chunk(dataHash string) string {
	s.prev = sign(s.key, stringToSign(chunkAlgorithm, s.amzDate, s.scope, s.prev, emptySHA256, dataHash))
	return s.prev
}

// trailer returns the signature of the trailing headers, canonicalised as
// "name:value\n" each.
func (s *chunkSigner) trailer(canonical string) string {
	s.prev = sign(s.key, stringToSign(trailerAlgorithm, s.amzDate, s.scope, s.prev, sha256Hex(canonical)))
	return s.prev
}

// chunkedReader decodes an aws-chunked body as it is read, checking each
// chunk's signature (when signed), the decoded length and the checksums.
type chunkedReader struct {
	br        *bufio.Reader
	closer    io.Closer
	signer    *chunkSigner // nil for STREAMING-UNSIGNED-PAYLOAD-TRAILER
	trailer   bool
	left      int64     // bytes of the current chunk still to read
	inChunk   bool      // a chunk's data (and its CRLF) is being read
	sig       string    // the current chunk's claimed signature
	h         hash.Hash // SHA-256 of the current chunk's data
	sums      []*checksum
	decoded   int64
	wantLen   int64 // -1 when the request did not declare it
	err       error
	announced []string          // x-amz-trailer names
	trailers  map[string]string // what the trailer carried, by lowercase name
}

// newChunkedFromRequest builds the reader for r's payload mode.
func newChunkedFromRequest(r *http.Request, body io.ReadCloser, c *Claim, key []byte, payload string) (*chunkedReader, error) {
	var signer *chunkSigner
	if payload != StreamingUnsignedTrailer {
		signer = &chunkSigner{key: key, scope: c.Scope, amzDate: c.AmzDate, prev: c.Signature}
	}
	cr := newChunkedReader(body, signer, payload != StreamingPayload)
	cr.closer = body
	if n := r.Header.Get("X-Amz-Decoded-Content-Length"); n != "" {
		v, err := strconv.ParseInt(n, 10, 64)
		if err != nil || v < 0 {
			return nil, fail(BadBody, "x-amz-decoded-content-length is not a length")
		}
		cr.wantLen = v
	}
	for name, vals := range r.Header {
		if h := newChecksum(name); h != nil && len(vals) > 0 {
			cr.sums = append(cr.sums, &checksum{name: strings.ToLower(name), h: h, want: vals[0]})
		}
	}
	for t := range strings.SplitSeq(r.Header.Get("X-Amz-Trailer"), ",") {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" {
			continue
		}
		h := newChecksum(t)
		if h == nil {
			return nil, fail(BadBody, "The value specified in the x-amz-trailer header is not supported")
		}
		cr.sums = append(cr.sums, &checksum{name: t, h: h})
		cr.announced = append(cr.announced, t)
	}
	return cr, nil
}

func newChunkedReader(body io.Reader, signer *chunkSigner, trailer bool) *chunkedReader {
	return &chunkedReader{br: bufio.NewReaderSize(body, 32<<10), signer: signer, trailer: trailer, wantLen: -1, h: sha256.New()}
}

func badBody() *Error { return fail(BadBody, "The request body terminated unexpectedly") }

// Read returns decoded payload bytes; io.EOF only once every signature and
// checksum held.
func (c *chunkedReader) Read(p []byte) (int, error) {
	for c.err == nil && c.left == 0 {
		if c.inChunk {
			c.err = c.endChunk()
		} else {
			c.err = c.nextChunk()
		}
	}
	if c.err != nil {
		return 0, c.err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.br.Read(p)
	c.left -= int64(n)
	c.decoded += int64(n)
	c.h.Write(p[:n])
	for _, s := range c.sums {
		s.h.Write(p[:n])
	}
	if err != nil && n == 0 {
		c.err = badBody()
		return 0, c.err
	}
	return n, nil
}

// Close closes the underlying body.
func (c *chunkedReader) Close() error {
	if c.closer != nil {
		return c.closer.Close()
	}
	return nil
}

// nextChunk reads a chunk header "SIZE[;chunk-signature=SIG]". The last
// chunk (size 0) ends the body: its signature, the trailer and the
// checksums are checked and the reader reaches io.EOF.
func (c *chunkedReader) nextChunk() error {
	line, err := c.line()
	if err != nil {
		return badBody()
	}
	size, ext, _ := strings.Cut(line, ";")
	n, perr := strconv.ParseInt(size, 16, 64)
	if perr != nil || n < 0 || len(size) > 16 {
		return badBody()
	}
	c.sig = ""
	if c.signer != nil {
		sig, ok := strings.CutPrefix(ext, "chunk-signature=")
		if !ok || len(sig) != 64 {
			return fail(Mismatch, "chunk signature missing")
		}
		c.sig = sig
	}
	if c.wantLen >= 0 && c.decoded+n > c.wantLen {
		return badBody()
	}
	c.h.Reset()
	if n > 0 {
		c.left, c.inChunk = n, true
		return nil
	}
	if err := c.checkChunkSignature(); err != nil {
		return err
	}
	return c.finish()
}

// endChunk consumes the CRLF after a chunk's data and checks its signature.
func (c *chunkedReader) endChunk() error {
	c.inChunk = false
	var crlf [2]byte
	if _, err := io.ReadFull(c.br, crlf[:]); err != nil || crlf != [2]byte{'\r', '\n'} {
		return badBody()
	}
	return c.checkChunkSignature()
}

func (c *chunkedReader) checkChunkSignature() error {
	if c.signer == nil {
		return nil
	}
	if !equalHex(c.signer.chunk(hex.EncodeToString(c.h.Sum(nil))), c.sig) {
		return &Error{Kind: Mismatch}
	}
	return nil
}

// finish reads what follows the last chunk (the trailer, or CRLF), then
// checks the length and checksums.
func (c *chunkedReader) finish() error {
	if c.trailer {
		if err := c.readTrailer(); err != nil {
			return err
		}
	} else if line, err := c.line(); err != nil || line != "" {
		return badBody()
	}
	if c.wantLen >= 0 && c.decoded != c.wantLen {
		return badBody()
	}
	for _, s := range c.sums {
		if s.want == "" {
			return fail(BadBody, "The request body terminated before the %s trailer", s.name)
		}
		if err := s.check(); err != nil {
			return err
		}
	}
	return io.EOF
}

// readTrailer reads "name:value" lines up to an empty line (or the end of
// the body), checking x-amz-trailer-signature when the body is signed.
func (c *chunkedReader) readTrailer() error {
	var canonical strings.Builder
	var sig string
	for {
		line, err := c.line()
		if errors.Is(err, io.EOF) || err == nil && line == "" {
			break
		}
		if err != nil {
			return err
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return badBody()
		}
		name, value = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(value)
		if name == "x-amz-trailer-signature" {
			sig = value
			continue
		}
		canonical.WriteString(name + ":" + value + "\n")
		if c.trailers == nil {
			c.trailers = map[string]string{}
		}
		c.trailers[name] = value
		for _, s := range c.sums {
			if s.name == name && slices.Contains(c.announced, name) {
				s.want = value
			}
		}
	}
	if c.signer != nil && !equalHex(c.signer.trailer(canonical.String()), sig) {
		return &Error{Kind: Mismatch}
	}
	return nil
}

// line reads one CRLF-terminated line (a bare LF is accepted), at most
// maxChunkLine bytes. The end of the body before any byte is io.EOF.
func (c *chunkedReader) line() (string, error) {
	b, err := c.br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, io.EOF) && len(b) == 0 {
			return "", io.EOF
		}
		return "", badBody()
	}
	if len(b) > maxChunkLine {
		return "", badBody()
	}
	s := strings.TrimSuffix(string(b[:len(b)-1]), "\r")
	return s, nil
}

// DecodeChunked puts an aws-chunked decoder in front of r.Body when its
// x-amz-content-sha256 names a STREAMING-* payload and nothing decoded the
// body yet, for a server that does not authenticate requests: it checks
// the chunks' framing, the decoded length and the checksums sent as
// headers or trailers, but not the chunk signatures (Verify's reader
// checks those too, and DecodeChunked leaves a body it wrapped alone).
// r.ContentLength becomes the decoded length when the request declares it.
func DecodeChunked(r *http.Request) error {
	payload := r.Header.Get("X-Amz-Content-Sha256")
	switch payload {
	case StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedTrailer:
	default:
		return nil
	}
	if _, done := r.Body.(*chunkedReader); done {
		return nil
	}
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	cr, err := newChunkedFromRequest(r, body, &Claim{}, nil, StreamingUnsignedTrailer)
	if err != nil {
		return err
	}
	cr.trailer = payload != StreamingPayload
	r.Body = cr
	if cr.wantLen >= 0 {
		r.ContentLength = cr.wantLen
	}
	return nil
}

// Trailers returns the trailing headers (lowercase names) of an
// aws-chunked body that was read to its end, or nil for any other body.
func Trailers(body io.Reader) map[string]string {
	if cr, ok := body.(*chunkedReader); ok && errors.Is(cr.err, io.EOF) {
		return cr.trailers
	}
	return nil
}
