package sigv4

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"
)

func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request,SignedHeaders=,Signature=")
	f.Add("AWS4-HMAC-SHA256 ,,,=,Credential==")
	f.Fuzz(func(t *testing.T, auth string) {
		c, err := ParseAuthorization(auth)
		if err != nil {
			if err.For(S3).Code == nil || err.For(JSON).Message == "" && err.Kind != Incomplete {
				t.Fatalf("error %v renders without a code or message", err)
			}
			return
		}
		if c.AccessKeyID == "" || c.Region == "" || c.Service == "" || len(c.Date) != 8 || len(c.Signature) != 64 {
			t.Fatalf("accepted an incomplete claim %+v", c)
		}
		if !slices.Contains(c.SignedHeaders, "host") && !slices.Contains(c.SignedHeaders, ":authority") {
			t.Fatalf("accepted signed headers without host: %v", c.SignedHeaders)
		}
	})
}

func FuzzChunkedReader(f *testing.F) {
	f.Add(exampleBody(false), true, false)
	f.Add([]byte("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"), false, true)
	f.Add([]byte("ffffffffffffffff;chunk-signature=\r\n"), true, false)
	f.Fuzz(func(t *testing.T, body []byte, signed, trailer bool) {
		var s *chunkSigner
		if signed {
			s = &chunkSigner{key: DeriveKey(testSecret, "20130524", "us-east-1", "s3"), amzDate: "20130524T000000Z",
				scope: Scope{Date: "20130524", Region: "us-east-1", Service: "s3"}, prev: exampleSeed}
		}
		cr := newChunkedReader(bytes.NewReader(body), s, trailer || !signed)
		got, err := io.ReadAll(cr)
		if len(got) > len(body) {
			t.Fatalf("decoded %d bytes from %d", len(got), len(body))
		}
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T %v is not an *Error", err, err)
			}
			return
		}
		if !signed && !bytes.Contains(body, []byte("0")) {
			t.Fatalf("a body without a final chunk decoded cleanly")
		}
		if signed && !strings.Contains(string(body), "chunk-signature=") {
			t.Fatalf("a signed body without signatures decoded cleanly")
		}
	})
}
