package wire_test

import (
	"context"
	"hash/crc32"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/wire"
)

// TestJSONTargetsAndBodyHeaders serves one signing name under two
// X-Amz-Target prefixes (as DynamoDB and DynamoDB Streams share
// "dynamodb") and checks that BodyHeaders sees every body it writes,
// errors included.
func TestJSONTargetsAndBodyHeaders(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	type out struct {
		Op string `json:"Op"`
	}
	svc := &wire.Service{Name: "dynamodb", Log: log,
		JSON: &wire.JSONProtocol{Target: "DynamoDB_20120810", Version: "1.0", Also: []string{"DynamoDBStreams_20120810"}},
		BodyHeaders: func(h http.Header, body []byte) {
			h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
		},
		Ops: []wire.Op{
			wire.Operation("ListTables", func(ctx context.Context, in *struct{}) (*out, error) { return &out{"ListTables"}, nil }),
			wire.Operation("ListStreams", func(ctx context.Context, in *struct{}) (*out, error) { return &out{"ListStreams"}, nil }),
			wire.NoOutput("Fail", func(ctx context.Context, in *struct{}) error { return awserr.New(awserr.Validation, "no") }),
		}}
	rt := wire.NewRouter("us-east-1", log)
	rt.Handle(svc)
	tests := []struct {
		target, signed string
		status         int
		body           string
	}{
		{"DynamoDB_20120810.ListTables", "dynamodb", 200, `{"Op":"ListTables"}`},
		{"DynamoDBStreams_20120810.ListStreams", "dynamodb", 200, `{"Op":"ListStreams"}`},
		{"DynamoDBStreams_20120810.ListStreams", "", 200, `{"Op":"ListStreams"}`},
		{"DynamoDB_20120810.Fail", "dynamodb", 400, `{"__type":"ValidationException","message":"no"}`},
		{"DynamoDB_20120810.Nope", "dynamodb", 400, `{"__type":"UnknownOperationException","message":"The operation Nope is not supported by dynamodb."}`},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/", strings.NewReader("{}"))
		r.Header.Set("X-Amz-Target", tt.target)
		if tt.signed != "" {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=A/D/us-east-1/"+tt.signed+"/aws4_request")
		}
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		if w.Code != tt.status || w.Body.String() != tt.body {
			t.Errorf("%s: %d %s, want %d %s", tt.target, w.Code, w.Body, tt.status, tt.body)
		}
		if got, want := w.Header().Get("X-Amz-Crc32"), strconv.FormatUint(uint64(crc32.ChecksumIEEE(w.Body.Bytes())), 10); got != want {
			t.Errorf("%s: x-amz-crc32 %q, want %q", tt.target, got, want)
		}
	}
}

// selfDecoded reads bodies that start with "fast" itself (and leaves a
// mark), and leaves the others to encoding/json after writing into itself.
type selfDecoded struct {
	Name string `json:"Name"`
	By   string `json:"By"`
}

func (in *selfDecoded) DecodeJSON(body []byte) bool {
	if strings.HasPrefix(string(body), `{"Name":"fast"`) {
		in.Name, in.By = "fast", "DecodeJSON"
		return true
	}
	in.By = "half-read"
	return false
}

// TestJSONDecoder checks that an input that reads its own JSON is used
// when it does, and that encoding/json decodes a fresh input (errors
// included) when it does not.
func TestJSONDecoder(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := &wire.Service{Name: "dynamodb", Log: log, JSON: &wire.JSONProtocol{Target: "DynamoDB_20120810", Version: "1.0"},
		Ops: []wire.Op{wire.Operation("Echo", func(ctx context.Context, in *selfDecoded) (*selfDecoded, error) { return in, nil })}}
	rt := wire.NewRouter("us-east-1", log)
	rt.Handle(svc)
	tests := []struct {
		body   string
		status int
		want   string
	}{
		{`{"Name":"fast"}`, 200, `{"Name":"fast","By":"DecodeJSON"}`},
		{`{"Name":"slow"}`, 200, `{"Name":"slow","By":""}`},
		{`{"Name":5}`, 400, `{"__type":"SerializationException","message":"Value for parameter Name is invalid. Reason: it must be of type string."}`},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
		r.Header.Set("X-Amz-Target", "DynamoDB_20120810.Echo")
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		if w.Code != tt.status || w.Body.String() != tt.want {
			t.Errorf("%s: %d %s, want %d %s", tt.body, w.Code, w.Body, tt.status, tt.want)
		}
	}
}
