package frontdoor_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/nubo-dev/nubo/internal/frontdoor"
)

// example is the request behind one of AWS's published events.
type example struct {
	file       string
	method     string
	target     string
	headers    [][2]string
	body       string
	authorizer *frontdoor.Authorizer
	req        frontdoor.Request
	// extra are members nubo sends that the example leaves out but AWS's
	// documentation shows (function URLs' routeKey and stage).
	extra []string
}

var epoch = time.UnixMilli(1583348638390)

func examples() []example {
	common := frontdoor.Request{RequestID: "id", Time: epoch, Account: "123456789012", APIID: "api-id", DomainName: "id.execute-api.us-east-1.amazonaws.com",
		Stage: "$default", RouteKey: "$default", Resource: "$default", Path: "/my/path", SourceIP: "IP",
		PathParameters: map[string]string{"proxy": "hello/world"}, StageVariables: map[string]string{"stageVariable1": "value1", "stageVariable2": "value2"}}
	withAuth := func(a *frontdoor.Authorizer) frontdoor.Request { r := common; r.Authorizer = a; return r }
	implied := []string{"headers.user-agent", "headers.content-type"}
	headers := [][2]string{{"Header1", "value1"}, {"Header2", "value2"}, {"Cookie", "cookie1; cookie2"}, {"User-Agent", "agent"}}
	return []example{
		{file: "apigw-v2-request-no-authorizer.json", method: "GET", target: "/",
			headers: [][2]string{{"Accept", "*/*"}, {"Content-Length", "0"}, {"Host", "aaaaaaaaaa.execute-api.us-west-2.amazonaws.com"}, {"User-Agent", "curl/7.58.0"},
				{"X-Amzn-Trace-Id", "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c"}, {"X-Forwarded-For", "1.2.3.4"}, {"X-Forwarded-Port", "443"}, {"X-Forwarded-Proto", "https"}},
			req: frontdoor.Request{RequestID: "LV7fzho-PHcEJPw=", Time: time.UnixMilli(1587481701067), Account: "123456789012", APIID: "aaaaaaaaaa",
				DomainName: "aaaaaaaaaa.execute-api.us-west-2.amazonaws.com", Stage: "$default", RouteKey: "$default", Path: "/", SourceIP: "1.2.3.4"}},
		{file: "apigw-v2-request-jwt-authorizer.json", method: "GET", target: "/my/path?parameter1=value1&parameter1=value2&parameter2=value",
			headers: append(headers, [2]string{"Content-Type", "application/json"}), body: "{\r\n\t\"a\": 1\r\n}",
			req:   withAuth(&frontdoor.Authorizer{JWT: &frontdoor.JWTAuthorizer{Claims: map[string]string{"claim1": "value1", "claim2": "value2"}, Scopes: []string{"scope1", "scope2"}}}),
			extra: implied},
		{file: "apigw-v2-request-lambda-authorizer.json", method: "GET", target: "/my/path?parameter1=value1&parameter1=value2&parameter2=value",
			headers: append(headers, [2]string{"Content-Type", "application/json"}), body: "{\r\n\t\"a\": 1\r\n}",
			req:   withAuth(&frontdoor.Authorizer{Lambda: map[string]any{"key": "value"}}),
			extra: implied},
		{file: "lambda-urls-request.json", method: "POST", target: "/my/path?parameter1=value1&parameter1=value2&parameter2=value",
			headers: [][2]string{{"Header1", "value1"}, {"Header2", "value1"}, {"Header2", "value2"}, {"Cookie", "cookie1"}, {"Cookie", "cookie2"},
				{"User-Agent", "agent"}, {"Content-Type", "text/plain"}},
			body: "Hello from client!",
			req: frontdoor.Request{RequestID: "id", Time: epoch, Account: "123456789012", APIID: "<urlid>", DomainName: "<url-id>.lambda-url.us-west-2.on.aws",
				Stage: "$default", RouteKey: "$default", Path: "/my/path", SourceIP: "123.123.123.123",
				Authorizer: &frontdoor.Authorizer{IAM: &frontdoor.IAMAuthorizer{AccessKey: "AKIA...", AccountID: "111122223333", CallerID: "AIDA...",
					UserARN: "arn:aws:iam::111122223333:user/example-user", UserID: "AIDA..."}}},
			extra: append([]string{"routeKey", "requestContext.routeKey", "requestContext.stage"}, implied...)},
	}
}

func (ex example) request() *frontdoor.Request {
	r := ex.req
	hr := httptest.NewRequest(ex.method, ex.target, strings.NewReader(ex.body))
	hr.Header = http.Header{}
	for _, h := range ex.headers {
		if h[0] == "Host" {
			hr.Host = h[1]
		}
		hr.Header.Add(h[0], h[1])
	}
	if !hasHost(ex.headers) {
		hr.Host = ""
	}
	r.HTTP, r.Body = hr, []byte(ex.body)
	return &r
}

func hasHost(hs [][2]string) bool {
	for _, h := range hs {
		if h[0] == "Host" {
			return true
		}
	}
	return false
}

// TestEventV2MatchesAWS builds the requests behind AWS's published 2.0
// events and compares member by member. The examples differ from what
// AWS sends in ways nubo follows AWS on: header names are lower-case in
// real events (AWS's documentation says so; two examples capitalise
// them), the time has a space before the zone, and mutual TLS
// (requestContext.authentication) is not served. Three examples leave out
// the user-agent and content-type headers their userAgent and text body
// imply; nubo's events have them.
func TestEventV2MatchesAWS(t *testing.T) {
	for _, ex := range examples() {
		t.Run(ex.file, func(t *testing.T) {
			got, err := frontdoor.EventV2(ex.request())
			if err != nil {
				t.Fatal(err)
			}
			want := load(t, ex.file)
			ctx := want["requestContext"].(map[string]any)
			delete(ctx, "authentication")
			// The hand-written examples' time and timeEpoch disagree; the
			// epoch is taken as the truth.
			ctx["time"] = time.UnixMilli(int64(ctx["timeEpoch"].(float64))).UTC().Format(frontdoor.TimeFormat)
			if h, ok := want["headers"].(map[string]any); ok {
				lower := map[string]any{}
				for k, v := range h {
					lower[strings.ToLower(k)] = v
				}
				want["headers"] = lower
			}
			var have map[string]any
			if err := json.Unmarshal(got, &have); err != nil {
				t.Fatal(err)
			}
			for _, path := range ex.extra {
				remove(have, path)
			}
			if !reflect.DeepEqual(have, want) {
				diff(t, "", have, want)
			}
			// And aws-lambda-go decodes it.
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(got, &ev); err != nil || ev.RequestContext.HTTP.Method != ex.method {
				t.Errorf("aws-lambda-go: %v %+v", err, ev)
			}
		})
	}
}

func load(t *testing.T, file string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "aws-lambda-go", file))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func remove(m map[string]any, path string) {
	head, rest, nested := strings.Cut(path, ".")
	if !nested {
		delete(m, head)
		return
	}
	if sub, ok := m[head].(map[string]any); ok {
		remove(sub, rest)
	}
}

// diff reports the members of have and want that differ.
func diff(t *testing.T, at string, have, want any) {
	t.Helper()
	hm, ok1 := have.(map[string]any)
	wm, ok2 := want.(map[string]any)
	if !ok1 || !ok2 {
		if !reflect.DeepEqual(have, want) {
			t.Errorf("%s: got %#v, want %#v", at, have, want)
		}
		return
	}
	for k := range wm {
		diff(t, at+"."+k, hm[k], wm[k])
	}
	for k := range hm {
		if _, ok := wm[k]; !ok {
			t.Errorf("%s.%s: extra member %#v", at, k, hm[k])
		}
	}
}

// FuzzEvents builds both formats' events of arbitrary queries, cookies
// and bodies: they are always JSON that aws-lambda-go decodes, and 2.0's
// hand-written encoding is encoding/json's, byte for byte.
func FuzzEvents(f *testing.F) {
	f.Add("a=1&a=2&b=%zz&&=x", "c1; c2;;", "application/json", "{\"a\":1}")
	f.Add("x", "", "text/plain; charset=\xff", "\xff\xfe")
	f.Fuzz(func(t *testing.T, query, cookie, contentType, body string) {
		hr := httptest.NewRequest("POST", "/p", strings.NewReader(body))
		hr.URL.RawQuery = query
		hr.Header.Set("Cookie", cookie)
		hr.Header.Set("Content-Type", contentType)
		r := &frontdoor.Request{HTTP: hr, Body: []byte(body), Path: "/p", Time: epoch}
		v2, err := frontdoor.EventV2(r)
		var e2 events.APIGatewayV2HTTPRequest
		if err != nil || json.Unmarshal(v2, &e2) != nil {
			t.Fatalf("2.0: %v %s", err, v2)
		}
		if want, _ := frontdoor.EventV2JSON(r); string(v2) != string(want) {
			t.Fatalf("2.0 differs from encoding/json's:\n got %s\nwant %s", v2, want)
		}
		v1, err := frontdoor.EventV1(r)
		var e1 events.APIGatewayProxyRequest
		if err != nil || json.Unmarshal(v1, &e1) != nil {
			t.Fatalf("1.0: %v %s", err, v1)
		}
	})
}
