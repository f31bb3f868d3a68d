package frontdoor_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nubo-dev/nubo/internal/frontdoor"
)

func TestResponseV2(t *testing.T) {
	example, err := os.ReadFile(filepath.Join("testdata", "aws-lambda-go", "lambda-urls-response.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		payload string
		status  int
		header  http.Header
		body    string
	}{
		{"AWS's example", string(example), 201, http.Header{"Content-Type": {"application/json"}, "My-Custom-Header": {"Custom Value"},
			"Set-Cookie": {"Cookie_1=Value1; Expires=21 Oct 2021 07:48 GMT", "Cookie_2=Value2; Max-Age=78000"}}, `{ "message": "Hello, world!" }`},
		{"an object without statusCode is the body", `{"message":"hi","body":"x"}`, 200, http.Header{"Content-Type": {"application/json"}}, `{"message":"hi","body":"x"}`},
		{"a string is the body's text", `"Hello from Lambda!"`, 200, http.Header{"Content-Type": {"application/json"}}, "Hello from Lambda!"},
		{"a number", ` 42 `, 200, http.Header{"Content-Type": {"application/json"}}, "42"},
		{"null", `null`, 200, http.Header{"Content-Type": {"application/json"}}, "null"},
		{"base64", `{"statusCode":200,"body":"AAEC","isBase64Encoded":true,"headers":{"content-type":"application/octet-stream"}}`, 200,
			http.Header{"Content-Type": {"application/octet-stream"}}, "\x00\x01\x02"},
		{"no body, default type", `{"statusCode":204}`, 204, http.Header{"Content-Type": {"application/json"}}, ""},
		{"scalar header values, reserved headers remapped", `{"statusCode":"200","headers":{"x-n":1,"x-b":true,"content-length":"5","connection":"close"},"body":"hello"}`, 200,
			http.Header{"Content-Type": {"application/json"}, "X-N": {"1"}, "X-B": {"true"}, "X-Amzn-Remapped-Content-Length": {"5"}, "X-Amzn-Remapped-Connection": {"close"}}, "hello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := frontdoor.ResponseV2([]byte(tt.payload))
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != tt.status || !reflect.DeepEqual(resp.Header, tt.header) || string(resp.Body) != tt.body {
				t.Errorf("got %d %v %q\nwant %d %v %q", resp.Status, resp.Header, resp.Body, tt.status, tt.header, tt.body)
			}
		})
	}
	for _, bad := range []string{`{"statusCode":"x"}`, `{"statusCode":99}`, `{"statusCode":100}`, `{"statusCode":199}`, `{"statusCode":200,"body":{}}`, `{"statusCode":200,"headers":{"a":[1]}}`,
		`{"statusCode":200,"body":"!","isBase64Encoded":true}`, `not json`, ``, `{"statusCode":200`} {
		if _, err := frontdoor.ResponseV2([]byte(bad)); !frontdoor.IsMalformed(err) {
			t.Errorf("%s: got %v, want malformed", bad, err)
		}
	}
}

func TestResponseV1(t *testing.T) {
	resp, err := frontdoor.ResponseV1([]byte(`{"statusCode":200,"headers":{"a":"1","b":"2"},"multiValueHeaders":{"b":["3","4"],"set-cookie":["x=1","y=2"]},"body":"ok","cookies":["ignored"]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := http.Header{"A": {"1"}, "B": {"3", "4"}, "Set-Cookie": {"x=1", "y=2"}, "Content-Type": {"application/json"}}
	if resp.Status != 200 || !reflect.DeepEqual(resp.Header, want) || string(resp.Body) != "ok" {
		t.Errorf("got %d %v %q", resp.Status, resp.Header, resp.Body)
	}
	for _, bad := range []string{`"hello"`, `{"body":"no status"}`, `[]`, `{"statusCode":200,"multiValueHeaders":{"a":[{}]}}`} {
		if _, err := frontdoor.ResponseV1([]byte(bad)); !frontdoor.IsMalformed(err) {
			t.Errorf("%s: got %v, want malformed", bad, err)
		}
	}
	w := httptest.NewRecorder()
	resp.Write(w)
	if w.Code != 200 || w.Header().Get("Content-Length") != "2" || w.Body.String() != "ok" {
		t.Errorf("written: %d %v %q", w.Code, w.Header(), w.Body)
	}
	noContent, err := frontdoor.ResponseV1([]byte(`{"statusCode":204,"body":"dropped"}`))
	if err != nil {
		t.Fatal(err)
	}
	w = httptest.NewRecorder()
	noContent.Write(w)
	if w.Code != 204 || w.Header().Get("Content-Length") != "" || w.Body.Len() != 0 {
		t.Errorf("a 204 with a body, written: %d %v %q", w.Code, w.Header(), w.Body)
	}
}

func FuzzResponse(f *testing.F) {
	f.Add([]byte(`{"statusCode":201,"headers":{"a":"b"},"cookies":["c=d"],"body":"x","isBase64Encoded":false}`))
	f.Add([]byte(`"text"`))
	f.Add([]byte(`{"statusCode":"200","multiValueHeaders":{"a":["1",2,true]},"body":"QUJD","isBase64Encoded":true}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, fn := range []func([]byte) (*frontdoor.Response, error){frontdoor.ResponseV2, frontdoor.ResponseV1} {
			resp, err := fn(payload)
			if err != nil {
				if !frontdoor.IsMalformed(err) {
					t.Fatalf("%q: %v", payload, err)
				}
				continue
			}
			if resp.Status < 100 || resp.Status > 599 || resp.Header.Get("Content-Type") == "" {
				t.Fatalf("%q: status %d, headers %v", payload, resp.Status, resp.Header)
			}
			for k := range resp.Header {
				if strings.EqualFold(k, "Content-Length") || strings.EqualFold(k, "Transfer-Encoding") {
					t.Fatalf("%q: the function set %s", payload, k)
				}
			}
		}
	})
}
