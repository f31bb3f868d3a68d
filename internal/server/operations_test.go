package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/wire"
)

// Every operation of every service declares what it needs of its caller,
// and a user with no permissions is refused each one with the service's
// AccessDenied: a list of them all, which fails when an operation is added
// without its action and resource.
func TestEveryOperationIsAuthorised(t *testing.T) {
	n := sharedNubo(t)
	id, secret := n.user(t, "nobody-"+n.region, "")
	bucket := createBucket(t, s3Client(n), "victim")
	var count int
	for _, svc := range n.srv.Services() {
		for i := range svc.Ops {
			op := &svc.Ops[i]
			if !op.Declared() {
				t.Errorf("%s %s declares no resource (a Resourcer input, ResourceFrom, AccessFrom, RequestAccess, AnyResource or SelfAuthorized)", svc.Name, op.Name)
				continue
			}
			count++
			t.Logf("%-10s %-32s %s", svc.Name, op.Name, svc.IAMAction(op))
			c := rpcCall(svc, op.Name)
			switch {
			case op.HTTP != "":
				c = n.routeCall(op.HTTP)
			case svc.REST != nil && svc.REST.Dispatch != nil:
				var ok bool
				if c, ok = s3Calls(bucket)[op.Name]; !ok {
					t.Errorf("s3 %s: the test does not know its request", op.Name)
					continue
				}
			}
			n.wantDenied(t, svc, op.Name, c, id, secret)
		}
		if svc.REST == nil {
			continue
		}
		for i := range svc.REST.Routes {
			rt := &svc.REST.Routes[i]
			if rt.Operation == "" {
				t.Errorf("%s route %s names no operation", svc.Name, rt.Pattern)
				continue
			}
			count++
			t.Logf("%-10s %-32s %s", svc.Name, rt.Operation, svc.RouteAction(rt))
			n.wantDenied(t, svc, rt.Operation, n.routeCall(rt.Pattern), id, secret)
		}
	}
	if count < 100 {
		t.Errorf("only %d operations: the services are not all there", count)
	}
}

// allowedToAll are the operations any authenticated caller may make: STS's
// GetCallerIdentity and GetSessionToken need no permission. AssumeRole
// weighs the role's trust policy itself (internal/iam tests it), after
// validating its input; S3 answers a CORS preflight from the bucket's
// rules, and a subresource it does not serve with NotImplemented, to
// anyone.
var allowedToAll = map[string]bool{"sts GetCallerIdentity": true, "sts GetSessionToken": true}

var selfAuthorised = map[string]bool{"sts AssumeRole": true, "s3 PreflightCORS": true, "s3 Unsupported": true}

// call is a request of an operation: its method, path and headers, and
// its body when "{}" (or a query form) is not it.
type call struct {
	method, path string
	header       map[string]string
	body         []byte
}

// wantDenied sends c signed by the user and checks the service refused it.
func (n *nubo) wantDenied(t *testing.T, svc *wire.Service, op string, c call, id, secret string) {
	t.Helper()
	body := c.body
	switch {
	case body != nil:
	case c.header["Content-Type"] == "application/x-www-form-urlencoded":
		body = []byte("Action=" + op)
	case c.method != "GET" && c.method != "DELETE" && c.method != "HEAD":
		body = []byte("{}")
	}
	r, err := http.NewRequest(c.method, "http://"+n.addr+c.path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.header {
		r.Header.Set(k, v)
	}
	sum := sha256.Sum256(body)
	if svc.Name == "s3" {
		r.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	}
	if err := s3Signer(svc.Name).SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, r,
		hex.EncodeToString(sum[:]), svc.Name, n.region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	code := errorCode(resp, got)
	if selfAuthorised[svc.Name+" "+op] {
		return
	}
	if c.method == "HEAD" && resp.StatusCode == http.StatusForbidden {
		return // a HEAD's refusal has no body
	}
	if allowedToAll[svc.Name+" "+op] {
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s %s: %d %s, want it allowed", svc.Name, op, resp.StatusCode, got)
		}
		return
	}
	switch code {
	case "AccessDenied", "AccessDeniedException", "AuthorizationError":
	default:
		t.Errorf("%s %s: %d %s %s, want an AccessDenied", svc.Name, op, resp.StatusCode, code, got)
	}
}

// rpcCall is a call of an operation of an RPC service, in JSON when it
// speaks it, else in the query protocol.
func rpcCall(svc *wire.Service, op string) call {
	if svc.JSON != nil {
		return call{method: "POST", path: "/", header: map[string]string{"X-Amz-Target": svc.JSON.Target + "." + op, "Content-Type": "application/x-amz-json-" + svc.JSON.Version}}
	}
	return call{method: "POST", path: "/", header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}
}

// routeCall is a call of a REST route or operation, its labels filled in
// (any other label is "victim").
func (n *nubo) routeCall(pattern string) call {
	method, path, _ := strings.Cut(pattern, " ")
	path = strings.NewReplacer("{$}", "", "{name}", "victim", "{alias}", "live", "{sid}", "s1", "{uuid}", uuid.NewString(),
		"{resource...}", n.arn("victim"), "{ResourceArn}", url.PathEscape(n.arn("victim"))).Replace(path)
	path = regexp.MustCompile(`\{[A-Za-z]+\}`).ReplaceAllString(path, "victim")
	return call{method: method, path: path, header: map[string]string{"Content-Type": "application/json"}}
}

// s3Calls are requests of every S3 operation on a bucket (and its object
// "k"): S3 tells them apart by method, subresource and header.
func s3Calls(bucket string) map[string]call {
	b, o := "/"+bucket, "/"+bucket+"/k"
	get := func(path string) call { return call{method: "GET", path: path} }
	put := func(path string) call { return call{method: "PUT", path: path, body: []byte{}} }
	del := func(path string) call { return call{method: "DELETE", path: path} }
	copied := call{method: "PUT", path: o, body: []byte{}, header: map[string]string{"X-Amz-Copy-Source": "/" + bucket + "/src"}}
	partCopied := copied
	partCopied.path = o + "?partNumber=1&uploadId=u"
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	mw.WriteField("key", "posted")
	fw, _ := mw.CreateFormFile("file", "f.txt")
	fw.Write([]byte("x"))
	mw.Close()
	calls := map[string]call{
		"ListBuckets": get("/"), "CreateBucket": put(b), "HeadBucket": {method: "HEAD", path: b}, "DeleteBucket": del(b),
		"ListObjects": get(b), "ListObjectsV2": get(b + "?list-type=2"), "ListObjectVersions": get(b + "?versions"),
		"ListMultipartUploads": get(b + "?uploads"), "GetBucketLocation": get(b + "?location"),
		"DeleteObjects": {method: "POST", path: b + "?delete", body: []byte(`<Delete><Object><Key>k</Key></Object></Delete>`)},
		"PostObject":    {method: "POST", path: b, body: form.Bytes(), header: map[string]string{"Content-Type": mw.FormDataContentType()}},
		"PutObject":     put(o), "GetObject": get(o), "HeadObject": {method: "HEAD", path: o}, "DeleteObject": del(o),
		"CopyObject": copied, "GetObjectAttributes": get(o + "?attributes"),
		"GetObjectTagging": get(o + "?tagging"), "PutObjectTagging": put(o + "?tagging"), "DeleteObjectTagging": del(o + "?tagging"),
		"CreateMultipartUpload": {method: "POST", path: o + "?uploads", body: []byte{}}, "UploadPart": put(o + "?partNumber=1&uploadId=u"),
		"UploadPartCopy": partCopied, "CompleteMultipartUpload": {method: "POST", path: o + "?uploadId=u", body: []byte{}},
		"AbortMultipartUpload": del(o + "?uploadId=u"), "ListParts": get(o + "?uploadId=u"),
		"PreflightCORS": {method: "OPTIONS", path: o, header: map[string]string{"Origin": "https://example.com", "Access-Control-Request-Method": "GET"}},
		"Unsupported":   get(b + "?website"),
	}
	for _, sub := range []struct{ name, query string }{{"Versioning", "versioning"}, {"Tagging", "tagging"}, {"Cors", "cors"},
		{"Policy", "policy"}, {"LifecycleConfiguration", "lifecycle"}, {"NotificationConfiguration", "notification"},
		{"OwnershipControls", "ownershipControls"}} {
		calls["PutBucket"+sub.name] = put(b + "?" + sub.query)
		calls["GetBucket"+sub.name] = get(b + "?" + sub.query)
		calls["DeleteBucket"+sub.name] = del(b + "?" + sub.query)
	}
	calls["DeleteBucketLifecycle"] = del(b + "?lifecycle")
	calls["PutPublicAccessBlock"], calls["GetPublicAccessBlock"] = put(b+"?publicAccessBlock"), get(b+"?publicAccessBlock")
	calls["DeletePublicAccessBlock"] = del(b + "?publicAccessBlock")
	for name, c := range calls {
		if c.header == nil {
			c.header = map[string]string{}
			calls[name] = c
		}
	}
	return calls
}

// errorCode reads an AWS error's code in any protocol's shape.
func errorCode(resp *http.Response, body []byte) string {
	if c := resp.Header.Get("X-Amzn-ErrorType"); c != "" {
		return c
	}
	if c, _, ok := strings.Cut(resp.Header.Get("x-amzn-query-error"), ";"); ok {
		return c
	}
	var j struct {
		Type string `json:"__type"`
	}
	if json.Unmarshal(body, &j) == nil && j.Type != "" {
		return j.Type[strings.LastIndexByte(j.Type, '#')+1:]
	}
	var x struct {
		Code  string
		Error struct{ Code string } // the query protocol's, and an S3 DeleteResult's first
	}
	xml.Unmarshal(body, &x)
	if x.Error.Code != "" {
		return x.Error.Code
	}
	return x.Code
}
