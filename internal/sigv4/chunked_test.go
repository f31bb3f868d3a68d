package sigv4

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The example of S3's documentation ("Example: PUT Object" of the SigV4
// streaming upload): 66,560 bytes of 'a' in a 64 KiB chunk, a 1 KiB chunk
// and the final empty one, with the signatures AWS published.
const (
	exampleSeed   = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
	exampleChunk1 = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
	exampleChunk2 = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
	exampleFinal  = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
)

var exampleTime = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)

func exampleBody(corrupt bool) []byte {
	var b bytes.Buffer
	for _, c := range []struct {
		size int
		sig  string
	}{{65536, exampleChunk1}, {1024, exampleChunk2}, {0, exampleFinal}} {
		fmt.Fprintf(&b, "%x;chunk-signature=%s\r\n", c.size, c.sig)
		data := bytes.Repeat([]byte("a"), c.size)
		if corrupt && c.size == 1024 {
			data[7] = 'b'
		}
		b.Write(data)
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

func exampleRequest(body []byte) *http.Request {
	r := httptest.NewRequest("PUT", "http://s3.amazonaws.com/examplebucket/chunkObject.txt", bytes.NewReader(body))
	r.Header.Set("X-Amz-Date", "20130524T000000Z")
	r.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("X-Amz-Decoded-Content-Length", "66560")
	r.Header.Set("Content-Length", "66824")
	r.Header.Set("X-Amz-Content-Sha256", StreamingPayload)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"+
		"SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,"+
		"Signature="+exampleSeed)
	return r
}

func TestChunkedExample(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want Kind
	}{
		{"as published", exampleBody(false), 0},
		{"a changed byte", exampleBody(true), Mismatch},
		{"truncated", exampleBody(false)[:66000], BadBody},
		{"no final chunk", exampleBody(false)[:66560+200], BadBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := exampleRequest(tt.body)
			if _, err := verifyAt(r, exampleTime); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if r.ContentLength != 66560 {
				t.Errorf("ContentLength = %d, want the decoded 66560", r.ContentLength)
			}
			got, err := io.ReadAll(r.Body)
			if kindOf(err) != tt.want {
				t.Fatalf("read error %v, want kind %v", err, tt.want)
			}
			if tt.want == 0 && !bytes.Equal(got, bytes.Repeat([]byte("a"), 66560)) {
				t.Errorf("decoded %d bytes, not the 66560 'a's", len(got))
			}
		})
	}
}

// TestTrailerSignature checks the trailer signature against AWS's CRT
// signer's vector: trailers first:1st, second:2nd, third:3rd after the
// example's final chunk.
func TestTrailerSignature(t *testing.T) {
	s := chunkSigner{key: DeriveKey(testSecret, "20130524", "us-east-1", "s3"), amzDate: "20130524T000000Z",
		scope: Scope{Date: "20130524", Region: "us-east-1", Service: "s3"}, prev: exampleFinal}
	if got, want := s.trailer("first:1st\nsecond:2nd\nthird:3rd\n"), "df5735bd9f3295cd9386572292562fefc93ba94e80a0a1ddcbd652c4e0a75e6c"; got != want {
		t.Errorf("trailer signature = %s, want %s", got, want)
	}
}

func TestCRC64NVME(t *testing.T) {
	if got, want := crc64.Checksum([]byte("123456789"), crc64NVME), uint64(0xae8b14860a799888); got != want {
		t.Errorf("CRC-64/NVME check = %x, want %x", got, want)
	}
}

// chunkedBody encodes payload in chunks of size; signer nil means unsigned.
// trailer lines are appended after the last chunk (and signed).
func chunkedBody(payload []byte, size int, signer *chunkSigner, trailer []string) []byte {
	var b bytes.Buffer
	for i := 0; ; i += size {
		data := payload[min(i, len(payload)):min(i+size, len(payload))]
		fmt.Fprintf(&b, "%x", len(data))
		if signer != nil {
			fmt.Fprintf(&b, ";chunk-signature=%s", signer.chunk(hashOf(string(data))))
		}
		b.WriteString("\r\n")
		if len(data) == 0 {
			break
		}
		b.Write(data)
		b.WriteString("\r\n")
	}
	if trailer == nil {
		b.WriteString("\r\n")
		return b.Bytes()
	}
	var canonical string
	for _, l := range trailer {
		b.WriteString(l + "\r\n")
		canonical += l + "\n"
	}
	if signer != nil {
		b.WriteString("x-amz-trailer-signature:" + signer.trailer(canonical) + "\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

func TestChunkedTrailers(t *testing.T) {
	payload := bytes.Repeat([]byte("nubo "), 5000)
	crc := func(name string) string {
		h := newChecksum(name)
		h.Write(payload)
		return base64.StdEncoding.EncodeToString(h.Sum(nil))
	}
	bad := base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, 7))
	tests := []struct {
		name, mode, header, value string
		want                      Kind
	}{
		{"unsigned crc32", StreamingUnsignedTrailer, "x-amz-checksum-crc32", crc("x-amz-checksum-crc32"), 0},
		{"unsigned crc32c", StreamingUnsignedTrailer, "x-amz-checksum-crc32c", crc("x-amz-checksum-crc32c"), 0},
		{"unsigned crc64nvme", StreamingUnsignedTrailer, "x-amz-checksum-crc64nvme", crc("x-amz-checksum-crc64nvme"), 0},
		{"unsigned sha1", StreamingUnsignedTrailer, "x-amz-checksum-sha1", crc("x-amz-checksum-sha1"), 0},
		{"signed sha256", StreamingPayloadTrailer, "x-amz-checksum-sha256", crc("x-amz-checksum-sha256"), 0},
		{"unsigned bad crc32", StreamingUnsignedTrailer, "x-amz-checksum-crc32", bad, BadDigest},
		{"signed bad crc32", StreamingPayloadTrailer, "x-amz-checksum-crc32", bad, BadDigest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeTrailer(t, payload, tt.mode, tt.header, tt.value)
			if kindOf(err) != tt.want {
				t.Fatalf("read error %v, want kind %v", err, tt.want)
			}
			if tt.want == 0 && !bytes.Equal(got, payload) {
				t.Errorf("decoded %d bytes, want %d", len(got), len(payload))
			}
		})
	}
}

// decodeTrailer sends payload through Verify as the SDKs send a flexible
// checksum: aws-chunked with the checksum in a trailer.
func decodeTrailer(t *testing.T, payload []byte, mode, header, value string) ([]byte, error) {
	t.Helper()
	at := testNow.Format(amzDateFormat)
	r := httptest.NewRequest("PUT", "http://localhost:4566/bucket/key", nil)
	r.Header.Set("X-Amz-Date", at)
	r.Header.Set("X-Amz-Content-Sha256", mode)
	r.Header.Set("X-Amz-Trailer", header)
	r.Header.Set("X-Amz-Decoded-Content-Length", fmt.Sprint(len(payload)))
	c := Claim{Scope: Scope{AccessKeyID: testKey, Date: at[:8], Region: "us-east-1", Service: "s3"}, AmzDate: at,
		SignedHeaders: []string{"host", "x-amz-content-sha256", "x-amz-date", "x-amz-decoded-content-length", "x-amz-trailer"}}
	key := DeriveKey(testSecret, c.Date, c.Region, c.Service)
	c.Signature = sign(key, stringToSign(Algorithm, at, c.Scope, sha256Hex(canonicalRequest(r, &c, true, mode))))
	r.Header.Set("Authorization", fmt.Sprintf("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
		testKey, c.Scope, strings.Join(c.SignedHeaders, ";"), c.Signature))
	var signer *chunkSigner
	if mode != StreamingUnsignedTrailer {
		signer = &chunkSigner{key: key, scope: c.Scope, amzDate: at, prev: c.Signature}
	}
	r.Body = io.NopCloser(bytes.NewReader(chunkedBody(payload, 8192, signer, []string{header + ":" + value})))
	v := Verifier{Now: func() time.Time { return testNow }}
	if _, err := v.Verify(context.Background(), r, lookupOf(testKey, testSecret)); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return io.ReadAll(r.Body)
}

// Without authentication, DecodeChunked still decodes every STREAMING-*
// body and checks its checksums, but not its signatures; Trailers gives
// what the trailer carried.
func TestDecodeChunked(t *testing.T) {
	payload := bytes.Repeat([]byte("nubo "), 5000)
	h := newChecksum("x-amz-checksum-crc32c")
	h.Write(payload)
	sum := base64.StdEncoding.EncodeToString(h.Sum(nil))
	forged := &chunkSigner{key: []byte("not the key"), prev: strings.Repeat("0", 64)}
	tests := []struct {
		name, mode string
		body       []byte
		trailer    string
		want       Kind
	}{
		{"signed example", StreamingPayload, exampleBody(false), "", 0},
		{"forged chunk signatures", StreamingPayloadTrailer, chunkedBody(payload, 4096, forged, []string{"x-amz-checksum-crc32c:" + sum}), sum, 0},
		{"unsigned trailer", StreamingUnsignedTrailer, chunkedBody(payload, 4096, nil, []string{"x-amz-checksum-crc32c:" + sum}), sum, 0},
		{"bad trailer", StreamingUnsignedTrailer, chunkedBody(payload, 4096, nil, []string{"x-amz-checksum-crc32c:AAAAAA=="}), "", BadDigest},
		{"truncated", StreamingUnsignedTrailer, chunkedBody(payload, 4096, nil, nil)[:9000], "", BadBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("PUT", "/bucket/key", bytes.NewReader(tt.body))
			r.Header.Set("X-Amz-Content-Sha256", tt.mode)
			if tt.mode != StreamingPayload {
				r.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32c")
			}
			if err := DecodeChunked(r); err != nil {
				t.Fatal(err)
			}
			body := r.Body
			if err := DecodeChunked(r); err != nil || r.Body != body {
				t.Fatalf("a second DecodeChunked wrapped the body again (%v)", err)
			}
			got, err := io.ReadAll(r.Body)
			if kindOf(err) != tt.want {
				t.Fatalf("read error %v, want kind %v", err, tt.want)
			}
			if tt.want != 0 {
				return
			}
			want := payload
			if tt.mode == StreamingPayload {
				want = bytes.Repeat([]byte("a"), 66560)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("decoded %d bytes, want %d", len(got), len(want))
			}
			if got := Trailers(r.Body)["x-amz-checksum-crc32c"]; got != tt.trailer {
				t.Errorf("trailer %q, want %q", got, tt.trailer)
			}
		})
	}
	r := httptest.NewRequest("PUT", "/bucket/key", strings.NewReader("plain"))
	if err := DecodeChunked(r); err != nil || Trailers(r.Body) != nil {
		t.Errorf("a plain body: %v", err)
	}
}
