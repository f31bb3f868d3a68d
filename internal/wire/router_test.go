package wire_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/wire"
)

func TestParseCredential(t *testing.T) {
	tests := []struct {
		name   string
		auth   string
		query  string
		want   wire.Credential
		signed bool
	}{
		{"header", "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/lambda/aws4_request, SignedHeaders=host, Signature=abc", "",
			wire.Credential{AccessKey: "AKID", Date: "20260101", Region: "eu-west-1", Service: "lambda"}, true},
		{"header without spaces after commas", "AWS4-HMAC-SHA256 SignedHeaders=host,Credential=A/D/us-east-1/sqs/aws4_request,Signature=abc", "",
			wire.Credential{AccessKey: "A", Date: "D", Region: "us-east-1", Service: "sqs"}, true},
		{"presigned", "", "X-Amz-Credential=AKID%2F20260101%2Fus-west-2%2Fs3%2Faws4_request&X-Amz-Signature=00",
			wire.Credential{AccessKey: "AKID", Date: "20260101", Region: "us-west-2", Service: "s3"}, true},
		{"header wins over query", "AWS4-HMAC-SHA256 Credential=A/D/r1/lambda/aws4_request", "X-Amz-Credential=A%2FD%2Fr2%2Fs3%2Faws4_request",
			wire.Credential{AccessKey: "A", Date: "D", Region: "r1", Service: "lambda"}, true},
		{"unsigned", "", "", wire.Credential{}, false},
		{"SigV2", "AWS AKID:signature", "", wire.Credential{}, false},
		{"no credential", "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc", "", wire.Credential{}, false},
		{"short scope", "AWS4-HMAC-SHA256 Credential=AKID/20260101/lambda/aws4_request", "", wire.Credential{}, false},
		{"wrong terminator", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/lambda/aws5_request", "", wire.Credential{}, false},
		{"empty service", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1//aws4_request", "", wire.Credential{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/?"+tt.query, nil)
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			got, signed := wire.ParseCredential(r)
			if got != tt.want || signed != tt.signed {
				t.Errorf("got %+v, %v; want %+v, %v", got, signed, tt.want, tt.signed)
			}
		})
	}
}

func FuzzParseCredential(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=abc", "")
	f.Add("", "X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request")
	f.Add("AWS4-", "X-Amz-Credential=////")
	f.Add("AWS4-HMAC-SHA256 Credential=", "X-Amz-Credential=a/b/c/d/aws4_request")
	f.Add("AWS4-X Credential=a/b/c/d/aws4_request,Credential=e/f/g/h/aws4_request", "%zz")
	f.Fuzz(func(t *testing.T, auth, query string) {
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/", RawQuery: query}, Header: http.Header{}}
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		cred, signed := wire.ParseCredential(r)
		if !signed {
			if cred != (wire.Credential{}) {
				t.Errorf("unsigned request with credential %+v", cred)
			}
			return
		}
		// A scope is five parts; what is parsed must be four of them.
		if cred.Service == "" {
			t.Errorf("signed request without a service: %+v", cred)
		}
		for _, part := range []string{cred.AccessKey, cred.Date, cred.Region, cred.Service} {
			if strings.Contains(part, "/") {
				t.Errorf("credential part %q holds a slash", part)
			}
		}
	})
}

// handled marks answers that come from a service rather than the router.
const handled = "X-Test-Handled"

func fuzzRouter() *wire.Router {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rt := wire.NewRouter("us-east-1", log)
	answer := func(name string) func(w http.ResponseWriter, r *http.Request) error {
		return func(w http.ResponseWriter, r *http.Request) error {
			// nubo's own paths are served before SigV4 routing; services
			// always act in a region.
			if name != "code" && wire.Region(r.Context()) == "" {
				w.Header().Set(handled, "no region")
			} else {
				w.Header().Set(handled, name)
			}
			w.WriteHeader(http.StatusOK)
			return nil
		}
	}
	rt.HandlePath("/_nubo/code/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { answer("code")(w, r) }), wire.PathAccess{Public: true})
	rt.Handle(&wire.Service{Name: "lambda", Paths: []string{"/2015-03-31/"}, Log: log,
		REST: &wire.RESTProtocol{Routes: []wire.Route{{Pattern: "GET /2015-03-31/functions", Handle: answer("lambda")}}}})
	rt.Handle(&wire.Service{Name: "sqs", JSON: &wire.JSONProtocol{Target: "AmazonSQS", Version: "1.0"}, Log: log,
		Ops: []wire.Op{wire.NoOutput("ListQueues", func(ctx context.Context, in *struct{}) error {
			return awserr.New(awserr.Validation, "refused")
		})}})
	return rt
}

func FuzzRouter(f *testing.F) {
	f.Add("GET", "/2015-03-31/functions", "", "", "", "", "")
	f.Add("POST", "/", "", "AWS4-HMAC-SHA256 Credential=A/D/us-east-1/sqs/aws4_request", "AmazonSQS.ListQueues", "application/x-amz-json-1.0", "{}")
	f.Add("POST", "/", "", "AWS4-HMAC-SHA256 Credential=A/D/us-east-1/sns/aws4_request", "", "application/x-www-form-urlencoded", "Action=Publish")
	f.Add("GET", "/bucket/key", "X-Amz-Credential=A%2FD%2Fr%2Fs3%2Faws4_request", "", "", "", "")
	f.Add("PUT", "/_nubo/code/abc", "", "", "", "", "")
	f.Add("DELETE", "/x", "Action=Foo", "AWS4-", "Foo.Bar", "text/plain", "\x00")
	f.Fuzz(func(t *testing.T, method, path, query, auth, target, contentType, body string) {
		r := &http.Request{
			Method: method,
			URL:    &url.URL{Path: path, RawQuery: query},
			Header: http.Header{},
			Body:   io.NopCloser(strings.NewReader(body)),
			Host:   "127.0.0.1:4566",
		}
		for k, v := range map[string]string{"Authorization": auth, "X-Amz-Target": target, "Content-Type": contentType} {
			if v != "" {
				r.Header.Set(k, v)
			}
		}
		w := httptest.NewRecorder()
		fuzzRouter().ServeHTTP(w, r)
		resp := w.Result()
		if resp.Header.Get("X-Amzn-RequestId") == "" {
			t.Error("no x-amzn-RequestId")
		}
		if who := resp.Header.Get(handled); who != "" {
			if who == "no region" {
				t.Error("a service got a request without a region")
			}
			return
		}
		if err := checkAWSError(resp.Header, w.Body.Bytes()); err != "" {
			t.Errorf("%s %s: %s: %q", method, path, err, w.Body.String())
		}
	})
}

// checkAWSError reports what is wrong with an error response that should be
// in one of the AWS protocols' shapes, or "".
func checkAWSError(h http.Header, body []byte) string {
	if bytes.Contains(bytes.ToLower(body), []byte("<html")) {
		return "HTML"
	}
	switch ct := h.Get("Content-Type"); {
	case ct == "application/json":
		var e struct{ Message string }
		if h.Get("X-Amzn-ErrorType") == "" {
			return "rest-json error without X-Amzn-ErrorType"
		}
		if json.Unmarshal(body, &e) != nil || e.Message == "" {
			return "rest-json error without a JSON Message"
		}
	case strings.HasPrefix(ct, "application/x-amz-json-"):
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &e) != nil || e.Type == "" || e.Message == "" {
			return "JSON error without __type and message"
		}
	case ct == "text/xml":
		var e struct {
			XMLName xml.Name `xml:"ErrorResponse"`
			Error   struct{ Code, Message string }
		}
		if xml.Unmarshal(body, &e) != nil || e.Error.Code == "" || e.Error.Message == "" {
			return "XML error without ErrorResponse/Error/Code and Message"
		}
	default:
		return "unexpected Content-Type " + ct
	}
	return ""
}
