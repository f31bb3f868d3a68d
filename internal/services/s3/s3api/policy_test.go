package s3api

import (
	"bytes"
	"encoding/base64"
	"errors"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
)

func codeOf(err error) string {
	var e *awserr.Error
	if errors.As(err, &e) {
		return e.Code.Name
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestPolicyCheck(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const good = `{"expiration":"2026-01-02T00:00:00Z","conditions":[{"bucket":"b"},["starts-with","$key","up/"],` +
		`["eq","$Content-Type","text/plain"],["content-length-range",1,10]]}`
	form := func(policy string, fields ...string) *postForm {
		f := &postForm{fields: map[string]string{"policy": b64(policy), "x-amz-signature": "s"}, filename: "a.txt"}
		for i := 0; i+1 < len(fields); i += 2 {
			f.fields[fields[i]] = fields[i+1]
		}
		return f
	}
	tests := []struct {
		name string
		form *postForm
		code string
	}{
		{"holds", form(good, "key", "up/${filename}", "content-type", "text/plain"), ""},
		{"another bucket's policy", form(strings.Replace(good, `"bucket":"b"`, `"bucket":"other"`, 1), "key", "up/x", "content-type", "text/plain", "bucket", "other"), "AccessDenied"},
		{"key outside", form(good, "key", "down/x", "content-type", "text/plain"), "AccessDenied"},
		{"wrong type", form(good, "key", "up/x", "content-type", "text/html"), "AccessDenied"},
		{"extra field", form(good, "key", "up/x", "content-type", "text/plain", "x-amz-meta-a", "1"), "AccessDenied"},
		{"ignored and checksum fields", form(good, "key", "up/x", "content-type", "text/plain", "x-ignore-me", "1", "x-amz-checksum-crc32", "AAAAAA=="), ""},
		{"expired", form(strings.Replace(good, "2026-01-02", "2025-12-31", 1), "key", "up/x", "content-type", "text/plain"), "AccessDenied"},
		{"CONDITIONS", form(`{"expiration":"2026-01-02T00:00:00Z","CONDITIONS":[]}`, "key", "k"), "InvalidPolicyDocument"},
		{"no expiration", form(`{"conditions":[]}`, "key", "k"), "InvalidPolicyDocument"},
		{"empty condition", form(`{"expiration":"2026-01-02T00:00:00Z","conditions":[{}]}`, "key", "k"), "InvalidPolicyDocument"},
		{"bad operator", form(`{"expiration":"2026-01-02T00:00:00Z","conditions":[["in","$key","k"]]}`, "key", "k"), "InvalidPolicyDocument"},
		{"not base64", &postForm{fields: map[string]string{"policy": "%%%", "x-amz-signature": "s"}}, "InvalidPolicyDocument"},
		{"unsigned", &postForm{fields: map[string]string{"policy": b64(good)}}, "InvalidArgument"},
		{"anonymous", &postForm{fields: map[string]string{"key": "k"}}, ""},
	}
	for _, tt := range tests {
		if got := codeOf(tt.form.check("b", now)); got != tt.code {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.code)
		}
	}
	f := form(good, "key", "up/x", "content-type", "text/plain")
	f.check("b", now)
	if f.length != (lengthRange{set: true, min: 1, max: 10}) {
		t.Errorf("content-length-range %+v", f.length)
	}
}

// FuzzPostForm reads arbitrary form bodies and policies: never a panic,
// and every refusal is one of S3's errors.
func FuzzPostForm(f *testing.F) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("key", "k")
	mw.WriteField("policy", b64(`{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",0,5]]}`))
	mw.WriteField("x-amz-signature", "s")
	fw, _ := mw.CreateFormFile("file", "f")
	fw.Write([]byte("hello"))
	mw.Close()
	f.Add(mw.Boundary(), body.Bytes())
	f.Add("x", []byte("--x\r\nContent-Disposition: form-data; name=\"policy\"\r\n\r\nW10=\r\n--x--"))
	f.Fuzz(func(t *testing.T, boundary string, data []byte) {
		if boundary == "" || len(boundary) > 70 {
			return
		}
		form, file, err := readForm(multipart.NewReader(bytes.NewReader(data), boundary))
		if err != nil {
			if codeOf(err) != "MalformedPOSTRequest" && codeOf(err) != "InvalidArgument" {
				t.Fatalf("readForm: %v", err)
			}
			return
		}
		if err := form.check("b", time.Now()); err != nil {
			var e *awserr.Error
			if !errors.As(err, &e) {
				t.Fatalf("check: %v", err)
			}
			return
		}
		if d, err := form.putInput("b", file); err == nil && d.Key == "" {
			t.Fatal("an upload without a key")
		}
	})
}
