package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	testKey    = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// lookupOf knows one key.
func lookupOf(key, secret string) Lookup {
	return func(_ context.Context, id, token string) (string, error) {
		if id != key {
			return "", &Error{Kind: UnknownKey}
		}
		return secret, nil
	}
}

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// signed builds a server-side request signed by the AWS SDK's signer.
func signed(t testing.TB, method, target, body, service string, at time.Time, s3 bool) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, "http://localhost:4566"+target, strings.NewReader(body))
	payload := hashOf(body)
	if s3 {
		r.Header.Set("X-Amz-Content-Sha256", payload)
	}
	err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = s3 }).SignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret}, r, payload, service, "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
	r.Body = io.NopCloser(strings.NewReader(body))
	return r
}

func verifyAt(r *http.Request, now time.Time) (Result, error) {
	v := Verifier{Now: func() time.Time { return now }}
	return v.Verify(context.Background(), r, lookupOf(testKey, testSecret))
}

func kindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

func TestVerifySDKRequests(t *testing.T) {
	tests := []struct {
		name, method, target, body, service string
		s3                                  bool
	}{
		{"lambda invoke", "POST", "/2015-03-31/functions/my%20fn/invocations?Qualifier=%24LATEST", `{"k":"v"}`, "lambda", false},
		{"sqs query", "POST", "/", "Action=SendMessage&MessageBody=a+b%2Bc", "sqs", false},
		{"dynamodb json", "POST", "/", `{"TableName":"t"}`, "dynamodb", false},
		{"s3 put odd key", "PUT", "/bucket/a%20b/c%2Bd/%E2%82%AC%28x%29%2A%21", "hello", "s3", true},
		{"s3 list", "GET", "/bucket?list-type=2&prefix=a%2Fb&delimiter=%2F", "", "s3", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := signed(t, tt.method, tt.target, tt.body, tt.service, testNow, tt.s3)
			res, err := verifyAt(r, testNow.Add(time.Minute))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got, want := res.Service, tt.service; got != want {
				t.Errorf("service = %q, want %q", got, want)
			}
			got, err := io.ReadAll(r.Body)
			if err != nil || string(got) != tt.body {
				t.Errorf("body = %q, %v; want %q", got, err, tt.body)
			}
		})
	}
}

func TestVerifyFailures(t *testing.T) {
	base := func(t *testing.T) *http.Request {
		return signed(t, "POST", "/2015-03-31/functions/f/invocations", `{}`, "lambda", testNow, false)
	}
	tests := []struct {
		name   string
		change func(r *http.Request)
		now    time.Time
		want   Kind
	}{
		{"unsigned", func(r *http.Request) { r.Header.Del("Authorization") }, testNow, Missing},
		{"tampered body", func(r *http.Request) { r.Body = io.NopCloser(strings.NewReader(`{"a":1}`)) }, testNow, Mismatch},
		{"tampered path", func(r *http.Request) { r.RequestURI = "/2015-03-31/functions/g/invocations" }, testNow, Mismatch},
		{"unknown key", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), testKey, "AKIAOTHER", 1))
		}, testNow, UnknownKey},
		{"no signature", func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:strings.Index(a, ", Signature=")])
		}, testNow, Incomplete},
		{"16 minutes late", func(*http.Request) {}, testNow.Add(16 * time.Minute), Skewed},
		{"16 minutes early", func(*http.Request) {}, testNow.Add(-16 * time.Minute), Skewed},
		{"14 minutes late", func(*http.Request) {}, testNow.Add(14 * time.Minute), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base(t)
			tt.change(r)
			_, err := verifyAt(r, tt.now)
			if got := kindOf(err); got != tt.want {
				t.Errorf("kind = %v (%v), want %v", got, err, tt.want)
			}
		})
	}
}

func TestVerifyS3ContentHash(t *testing.T) {
	r := signed(t, "PUT", "/bucket/key", "hello", "s3", testNow, true)
	r.Body = io.NopCloser(strings.NewReader("HELLO"))
	if _, err := verifyAt(r, testNow); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if _, err := io.ReadAll(r.Body); kindOf(err) != ContentMismatch {
		t.Errorf("reading a body of another hash gave %v, want ContentMismatch", err)
	}

	r = signed(t, "PUT", "/bucket/key", "hello", "s3", testNow, true)
	r.Header.Set("X-Amz-Meta-Extra", "unsigned")
	if _, err := verifyAt(r, testNow); kindOf(err) != HeadersNotSigned {
		t.Errorf("an unsigned x-amz-meta header gave %v, want HeadersNotSigned", err)
	}
}

func TestVerifyPresigned(t *testing.T) {
	presign := func(t *testing.T, expires string) *http.Request {
		r := httptest.NewRequest("GET", "http://localhost:4566/bucket/my%20key.txt?X-Amz-Expires="+expires, nil)
		url, _, err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).PresignHTTP(context.Background(),
			aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret, SessionToken: "tok"}, r, UnsignedPayload, "s3", "us-east-1", testNow)
		if err != nil {
			t.Fatal(err)
		}
		return httptest.NewRequest("GET", url, nil)
	}
	tests := []struct {
		name    string
		expires string
		now     time.Time
		want    Kind
	}{
		{"fresh", "3600", testNow.Add(59 * time.Minute), 0},
		{"expired", "3600", testNow.Add(61 * time.Minute), Expired},
		{"a week", "604800", testNow.Add(6 * 24 * time.Hour), 0},
		{"over a week", "604801", testNow, Incomplete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := verifyAt(presign(t, tt.expires), tt.now)
			if got := kindOf(err); got != tt.want {
				t.Fatalf("kind = %v (%v), want %v", got, err, tt.want)
			}
			if err == nil && (res.Token != "tok" || !res.Presigned) {
				t.Errorf("claim = %+v, want the session token of a presigned URL", res.Claim)
			}
		})
	}
}

func TestErrorFor(t *testing.T) {
	skew := &Error{Kind: Skewed, RequestTime: testNow, ServerTime: testNow.Add(20 * time.Minute)}
	tests := []struct {
		err     *Error
		family  Family
		code    string
		status  int
		message string
	}{
		{&Error{Kind: Mismatch}, Lambda, "InvalidSignatureException", 403, msgMismatch},
		{&Error{Kind: Mismatch}, Query, "SignatureDoesNotMatch", 403, msgMismatch},
		{&Error{Kind: Mismatch}, S3, "SignatureDoesNotMatch", 403, msgMismatchS3},
		{&Error{Kind: UnknownKey}, Lambda, "UnrecognizedClientException", 403, "The security token included in the request is invalid."},
		{&Error{Kind: UnknownKey}, Query, "InvalidClientTokenId", 403, "The security token included in the request is invalid."},
		{&Error{Kind: UnknownKey}, S3, "InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records."},
		{&Error{Kind: TokenExpired}, JSON, "ExpiredTokenException", 400, "The security token included in the request is expired"},
		{&Error{Kind: TokenExpired}, S3, "ExpiredToken", 400, "The provided token has expired."},
		{skew, JSON, "InvalidSignatureException", 400, "Signature expired: 20260102T030405Z is now earlier than 20260102T030905Z (20260102T032405Z - 15 min.)"},
		{skew, S3, "RequestTimeTooSkewed", 403, "The difference between the request time and the current time is too large."},
		{&Error{Kind: Expired, Presigned: true}, S3, "AccessDenied", 403, "Request has expired"},
		{&Error{Kind: Missing}, Query, "MissingAuthenticationToken", 403, "Request is missing Authentication Token"},
		{&Error{Kind: Incomplete, Presigned: true, Detail: "x"}, S3, "AuthorizationQueryParametersError", 400, "x"},
		{&Error{Kind: BadDigest, Detail: "d"}, Lambda, "InvalidSignatureException", 403, "d"},
	}
	for _, tt := range tests {
		got := tt.err.For(tt.family)
		if got.Code.Name != tt.code || got.Code.Status != tt.status || got.Message != tt.message {
			t.Errorf("%v for %v = %s %d %q, want %s %d %q", tt.err.Kind, tt.family, got.Code.Name, got.Code.Status, got.Message, tt.code, tt.status, tt.message)
		}
	}
}

func TestS3ErrorFields(t *testing.T) {
	r := signed(t, "PUT", "/bucket/key", "hello", "s3", testNow, true)
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "Signature=", "Signature=0", 1)[:len(r.Header.Get("Authorization"))])
	_, err := verifyAt(r, testNow)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Verify = %v, want an *Error", err)
	}
	got := e.For(S3).Fields
	if got["AWSAccessKeyId"] != testKey || !strings.HasPrefix(got["StringToSign"].(string), "AWS4-HMAC-SHA256\n") || !strings.HasPrefix(got["CanonicalRequest"].(string), "PUT\n/bucket/key\n") {
		t.Errorf("S3 fields of a mismatch = %v", got)
	}
	if e.For(Query).Fields != nil {
		t.Errorf("a query service shows S3's fields")
	}
	skew := (&Error{Kind: Skewed, RequestTime: testNow, ServerTime: testNow.Add(time.Hour)}).For(S3).Fields
	if skew["MaxAllowedSkewMilliseconds"] != int64(900000) || skew["ServerTime"] != "2026-01-02T04:04:05Z" {
		t.Errorf("S3 fields of skew = %v", skew)
	}
}
