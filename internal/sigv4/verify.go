// Package sigv4 verifies AWS Signature Version 4 as AWS services do: the
// Authorization header and presigned URLs, the x-amz-content-sha256
// payload modes, and S3's aws-chunked bodies with their chunk signatures
// and trailing checksums. Failures are *Error values of a Kind; Error.For
// renders one in the words and code of a service family (the wire layer
// picks the family). It knows no users: a Lookup gives it the secret of an
// access key.
package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxSkew is how far a request's time may be from the server's.
const MaxSkew = 15 * time.Minute

// Payload modes of x-amz-content-sha256 besides a hex SHA-256.
const (
	UnsignedPayload          = "UNSIGNED-PAYLOAD"
	StreamingPayload         = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	StreamingPayloadTrailer  = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// emptySHA256 is the hash of no bytes.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Lookup returns the secret access key of an access key id and the session
// token the request carried ("" for long-term keys). It reports a key it
// does not know, or a token that is bad or expired, as an *Error of kind
// UnknownKey, BadToken or TokenExpired; any other error is the store's.
type Lookup func(ctx context.Context, accessKeyID, sessionToken string) (secret string, err error)

// Verifier checks signatures. Its zero value works (with the real clock).
type Verifier struct {
	// Now is the server's clock; nil means time.Now.
	Now func() time.Time
	// MaxBody bounds the body read to hash it when a non-S3 request does
	// not send x-amz-content-sha256; 0 means 70 MiB (Lambda's largest
	// request, a 50 MB zip in base64).
	MaxBody int64
	keys    keyCache
}

// Result is a verified request.
type Result struct {
	Claim
	// Time is the request's signing time.
	Time time.Time
	// Payload is the signed payload hash or mode.
	Payload string
}

// Verify checks the signature of r with the secret lookup gives. On
// success r.Body is replaced, where the payload needs it, by a reader that
// checks the body as it is read: the declared hash at the end, or the
// chunks of an aws-chunked body (decoded, so r.Body yields the payload and
// r.ContentLength is its decoded length). Such a reader hands out bytes
// before their chunk's signature is checked: a caller commits what it read
// only after Read returned io.EOF, and treats any other error (an *Error)
// as the request's failure. Verify's own errors are *Error, or the
// Lookup's store error.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, lookup Lookup) (Result, error) {
	c, perr := ParseRequest(r)
	if perr != nil {
		return Result{}, perr
	}
	res := Result{Claim: c}
	t, err := v.checkTime(&c)
	if err != nil {
		return res, err
	}
	res.Time = t
	secret, lerr := lookup(ctx, c.AccessKeyID, c.Token)
	var le *Error
	if errors.As(lerr, &le) && le.Kind == UnknownKey && le.S3Fields == nil {
		le.S3Fields = map[string]any{"AWSAccessKeyId": c.AccessKeyID}
	}
	if lerr != nil {
		return res, lerr
	}
	s3 := c.Service == "s3"
	if s3 && !c.Presigned {
		if err := checkAmzHeadersSigned(r, c.SignedHeaders); err != nil {
			return res, err
		}
	}
	payload, hashed, perr := v.payload(r, &c, s3)
	if perr != nil {
		return res, perr
	}
	res.Payload = payload
	key := v.keys.signingKey(secret, c.Scope)
	if err := checkSignature(r, &c, s3, payload, key); err != nil {
		return res, err
	}
	return res, wrapBody(r, &c, key, payload, hashed)
}

// checkSignature compares the claimed signature with the one of the
// canonical request (S3's path rules when s3 is set).
func checkSignature(r *http.Request, c *Claim, s3 bool, payload string, key []byte) *Error {
	canon := canonicalRequest(r, c, s3, payload)
	sts := stringToSign(Algorithm, c.AmzDate, c.Scope, sha256Hex(canon))
	if !equalHex(sign(key, sts), c.Signature) {
		return &Error{Kind: Mismatch, Presigned: c.Presigned, S3Fields: map[string]any{
			"AWSAccessKeyId": c.AccessKeyID, "StringToSign": sts, "SignatureProvided": c.Signature, "CanonicalRequest": canon}}
	}
	return nil
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// checkTime parses the signing time and refuses one outside the skew, or a
// presigned URL past its expiry.
func (v *Verifier) checkTime(c *Claim) (time.Time, *Error) {
	t, err := time.Parse(amzDateFormat, c.AmzDate)
	if err != nil {
		e := fail(Incomplete, "Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", c.AmzDate)
		e.Presigned = c.Presigned
		return t, e
	}
	if c.Date != c.AmzDate[:8] {
		e := fail(Incomplete, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", c.Date, c.AmzDate[:8], c.AmzDate)
		e.Presigned = c.Presigned
		return t, e
	}
	now := v.now()
	if c.Presigned {
		if now.After(t.Add(c.Expires)) {
			return t, &Error{Kind: Expired, Presigned: true}
		}
		if t.After(now.Add(MaxSkew)) {
			return t, &Error{Kind: Skewed, RequestTime: t, ServerTime: now, Presigned: true}
		}
		return t, nil
	}
	if d := now.Sub(t); d > MaxSkew || d < -MaxSkew {
		return t, &Error{Kind: Skewed, RequestTime: t, ServerTime: now}
	}
	return t, nil
}

// checkAmzHeadersSigned enforces S3's rule that every x-amz-* header of a
// header-signed request is signed.
func checkAmzHeadersSigned(r *http.Request, signed []string) *Error {
	var unsigned []string
	for name := range r.Header {
		l := strings.ToLower(name)
		if strings.HasPrefix(l, "x-amz-") && !slices.Contains(signed, l) {
			unsigned = append(unsigned, l)
		}
	}
	if len(unsigned) == 0 {
		return nil
	}
	slices.Sort(unsigned)
	e := fail(HeadersNotSigned, "There were headers present in the request which were not signed")
	e.S3Fields = map[string]any{"HeadersNotSigned": strings.Join(unsigned, ", ")}
	return e
}

// payload is the payload hash or mode to sign with. hashed reports that it
// was computed here from the body (which is then already checked).
func (v *Verifier) payload(r *http.Request, c *Claim, s3 bool) (payload string, hashed bool, err *Error) {
	declared := r.Header.Get("X-Amz-Content-Sha256")
	switch {
	case declared != "":
		switch declared {
		case UnsignedPayload, StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedTrailer:
			if !s3 && declared != UnsignedPayload {
				return "", false, fail(ContentMismatch, "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a SHA256 hash.")
			}
			return declared, false, nil
		}
		if len(declared) != 64 || strings.Trim(declared, "0123456789abcdef") != "" {
			return "", false, fail(ContentMismatch, "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.")
		}
		return declared, false, nil
	case s3 && c.Presigned:
		return UnsignedPayload, false, nil
	case s3:
		return "", false, fail(MissingContentSHA, "Missing required header for this request: x-amz-content-sha256")
	}
	sum, err := v.hashBody(r)
	return sum, true, err
}

// hashBody reads a (bounded) non-S3 body to hash it and puts it back.
func (v *Verifier) hashBody(r *http.Request) (string, *Error) {
	if r.Body == nil || r.Body == http.NoBody {
		return emptySHA256, nil
	}
	limit := v.MaxBody
	if limit == 0 {
		limit = 70 << 20
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	r.Body.Close()
	if err != nil {
		return "", fail(BadBody, "The request body terminated unexpectedly")
	}
	if int64(len(body)) > limit {
		return "", fail(BadBody, "The request body is larger than %d bytes", limit)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:]), nil
}

// wrapBody puts the reader the payload mode needs in front of r.Body.
func wrapBody(r *http.Request, c *Claim, key []byte, payload string, hashed bool) error {
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	switch payload {
	case UnsignedPayload:
		return nil
	case StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedTrailer:
		cr, err := newChunkedFromRequest(r, body, c, key, payload)
		if err != nil {
			return err
		}
		r.Body = cr
		if n, err := strconv.ParseInt(r.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64); err == nil {
			r.ContentLength = n
		}
		return nil
	}
	if !hashed {
		r.Body = &hashCheck{rc: body, want: payload, h: sha256.New()}
	}
	return nil
}

// hashCheck fails the read that reaches the end of a body whose SHA-256
// is not the declared one.
type hashCheck struct {
	rc   io.ReadCloser
	want string
	h    interface {
		io.Writer
		Sum([]byte) []byte
	}
}

func (h *hashCheck) Read(p []byte) (int, error) {
	n, err := h.rc.Read(p)
	h.h.Write(p[:n])
	if errors.Is(err, io.EOF) && hex.EncodeToString(h.h.Sum(nil)) != h.want {
		return n, fail(ContentMismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	return n, err
}

func (h *hashCheck) Close() error { return h.rc.Close() }
