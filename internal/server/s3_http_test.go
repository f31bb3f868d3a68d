package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Presigned URLs work with any HTTP client.
func TestS3Presign(t *testing.T) {
	n := sharedNubo(t)
	c := s3Client(n)
	ctx := context.Background()
	b := createBucket(t, c, "presign")
	ps := s3.NewPresignClient(c)
	req, err := ps.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("up.txt")}, s3.WithPresignExpires(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	hr, _ := http.NewRequest(req.Method, req.URL, strings.NewReader("uploaded"))
	resp, err := http.DefaultClient.Do(hr)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("presigned PUT: %v %v", err, resp)
	}
	resp.Body.Close()
	get, err := ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("up.txt")})
	if err != nil {
		t.Fatal(err)
	}
	resp, err = http.Get(get.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "uploaded" || resp.Header.Get("ETag") != md5hex("uploaded") {
		t.Errorf("presigned GET: %d %q %v", resp.StatusCode, body, resp.Header)
	}
}

// Errors are S3's XML documents, with the request id S3's clients read.
func TestS3ErrorShape(t *testing.T) {
	n := sharedNubo(t)
	c := s3Client(n)
	b := createBucket(t, c, "errshape")
	r := n.do(t, "GET", "/"+b+"/missing%20key", signedFor("s3"), nil)
	var e struct {
		Code, Message, Key, RequestId string
	}
	if err := xml.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	if r.status != 404 || e.Code != "NoSuchKey" || e.Key != "missing key" || e.Message != "The specified key does not exist." ||
		e.RequestId == "" || e.RequestId != r.header.Get("x-amz-request-id") || r.header.Get("Content-Type") != "application/xml" {
		t.Errorf("%d %+v %v", r.status, e, r.header)
	}
	r = n.do(t, "PATCH", "/"+b+"/k", signedFor("s3"), nil)
	if r.status != 405 || !strings.Contains(string(r.body), "<Code>MethodNotAllowed</Code>") {
		t.Errorf("PATCH: %d %s", r.status, r.body)
	}
	r = n.do(t, "GET", "/"+b+"?website", signedFor("s3"), nil)
	if r.status != 501 || !strings.Contains(string(r.body), "<Code>NotImplemented</Code>") {
		t.Errorf("?website: %d %s", r.status, r.body)
	}
	// A bucket named like one of nubo's own paths is still a bucket.
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("metrics-" + b)}); err != nil {
		t.Fatal(err)
	}
	put(t, c, "metrics-"+b, "k", "v")
}

// Virtual-hosted style: the bucket is in the Host, the key the whole path.
func TestS3VirtualHost(t *testing.T) {
	n := sharedNubo(t)
	c := s3Client(n)
	b := createBucket(t, c, "vhost")
	_, port, _ := net.SplitHostPort(n.addr)
	for _, host := range []string{b + ".s3.localhost:" + port, b + ".s3.us-east-1.localhost:" + port, b + ".localhost"} {
		req, _ := http.NewRequest("PUT", "http://"+n.addr+"/a//b", strings.NewReader("v:"+host))
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("PUT via %s: %v %v", host, err, resp)
		}
		resp.Body.Close()
		if _, body := getBody(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("a//b")}); body != "v:"+host {
			t.Errorf("via %s: %q", host, body)
		}
	}
	// An SDK client on a *.localhost endpoint addresses buckets by host.
	vc := s3Client(n, func(o *s3.Options) {
		o.UsePathStyle = false
		o.BaseEndpoint = aws.String("http://s3.localhost:" + port)
		o.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, n.addr)
		}}}
	})
	if _, err := vc.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("sdk"), Body: strings.NewReader("x")}); err != nil {
		t.Fatalf("virtual-hosted SDK client: %v", err)
	}
	if _, body := getBody(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("sdk")}); body != "x" {
		t.Errorf("virtual-hosted PutObject: %q", body)
	}
}

// A CORS preflight is answered from the bucket's rules; an actual
// cross-origin request gets the matching rule's headers.
func TestS3CORS(t *testing.T) {
	n := sharedNubo(t)
	c := s3Client(n)
	ctx := context.Background()
	b := createBucket(t, c, "cors")
	preflight := func(origin, method string) wireResponse {
		return n.do(t, "OPTIONS", "/"+b+"/k", map[string]string{"Origin": origin, "Access-Control-Request-Method": method,
			"Access-Control-Request-Headers": "Content-Type, X-Amz-Date"}, nil)
	}
	if r := preflight("https://app.example.com", "PUT"); r.status != 403 || !strings.Contains(string(r.body), "CORS is not enabled for this bucket") {
		t.Errorf("preflight without CORS: %d %s", r.status, r.body)
	}
	_, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String(b), CORSConfiguration: &types.CORSConfiguration{
		CORSRules: []types.CORSRule{{AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"GET", "PUT"},
			AllowedHeaders: []string{"*"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: aws.Int32(600)}}}})
	if err != nil {
		t.Fatal(err)
	}
	cors, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String(b)})
	if err != nil || len(cors.CORSRules) != 1 || aws.ToInt32(cors.CORSRules[0].MaxAgeSeconds) != 600 {
		t.Fatalf("GetBucketCors: %v %+v", err, cors)
	}
	r := preflight("https://app.example.com", "PUT")
	if r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		r.header.Get("Access-Control-Allow-Methods") != "GET, PUT" || r.header.Get("Access-Control-Max-Age") != "600" ||
		r.header.Get("Access-Control-Allow-Headers") != "content-type, x-amz-date" {
		t.Errorf("allowed preflight: %d %v", r.status, r.header)
	}
	if r := preflight("https://evil.test", "PUT"); r.status != 403 {
		t.Errorf("preflight from another origin: %d", r.status)
	}
	if r := preflight("https://app.example.com", "DELETE"); r.status != 403 {
		t.Errorf("preflight of another method: %d", r.status)
	}
	put(t, c, b, "k", "v")
	r = n.do(t, "GET", "/"+b+"/k", map[string]string{"Origin": "https://app.example.com"}, nil)
	if r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || r.header.Get("Access-Control-Expose-Headers") != "ETag" {
		t.Errorf("actual request: %d %v", r.status, r.header)
	}
}

// A browser form upload under a policy (what the SDKs' presigned POST
// makes).
func TestS3PostPolicy(t *testing.T) {
	n := sharedNubo(t)
	c := s3Client(n)
	b := createBucket(t, c, "postpolicy")
	policy := func(conds ...any) string {
		doc, _ := json.Marshal(map[string]any{"expiration": time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05.000Z"), "conditions": conds})
		return base64.StdEncoding.EncodeToString(doc)
	}
	post := func(fields [][2]string, file string) wireResponse {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for _, f := range fields {
			mw.WriteField(f[0], f[1])
		}
		fw, _ := mw.CreateFormFile("file", "photo.jpg")
		fw.Write([]byte(file))
		mw.Close()
		req, _ := http.NewRequest("POST", "http://"+n.addr+"/"+b, &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		got, _ := io.ReadAll(resp.Body)
		return wireResponse{status: resp.StatusCode, header: resp.Header, body: got}
	}
	good := policy(map[string]string{"bucket": b}, []any{"starts-with", "$key", "uploads/"}, []any{"content-length-range", 1, 100},
		map[string]string{"success_action_status": "201"}, []any{"starts-with", "$Content-Type", "image/"}, map[string]string{"x-amz-meta-who": "ada"})
	r := post([][2]string{{"key", "uploads/${filename}"}, {"policy", good}, {"x-amz-signature", "0"}, {"success_action_status", "201"},
		{"Content-Type", "image/jpeg"}, {"x-amz-meta-who", "ada"}}, "jpeg bytes")
	var res struct{ Bucket, Key, ETag, Location string }
	if err := xml.Unmarshal(r.body, &res); err != nil || r.status != 201 || res.Key != "uploads/photo.jpg" || res.ETag != md5hex("jpeg bytes") {
		t.Fatalf("POST upload: %d %s", r.status, r.body)
	}
	got, body := getBody(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("uploads/photo.jpg")})
	if body != "jpeg bytes" || aws.ToString(got.ContentType) != "image/jpeg" || got.Metadata["who"] != "ada" {
		t.Errorf("posted object: %q %+v", body, got)
	}
	for _, tt := range []struct {
		name   string
		fields [][2]string
		file   string
		status int
		code   string
	}{
		{"key outside the policy", [][2]string{{"key", "elsewhere/x"}, {"policy", good}, {"x-amz-signature", "0"}, {"success_action_status", "201"}, {"Content-Type", "image/png"}, {"x-amz-meta-who", "ada"}}, "x", 403, "AccessDenied"},
		{"a field the policy does not name", [][2]string{{"key", "uploads/x"}, {"policy", good}, {"x-amz-signature", "0"}, {"success_action_status", "201"}, {"Content-Type", "image/png"}, {"x-amz-meta-who", "ada"}, {"x-amz-meta-extra", "1"}}, "x", 403, "AccessDenied"},
		{"too large", [][2]string{{"key", "uploads/x"}, {"policy", good}, {"x-amz-signature", "0"}, {"success_action_status", "201"}, {"Content-Type", "image/png"}, {"x-amz-meta-who", "ada"}}, strings.Repeat("x", 101), 400, "EntityTooLarge"},
		{"expired", [][2]string{{"key", "k"}, {"x-amz-signature", "0"}, {"policy", base64.StdEncoding.EncodeToString([]byte(`{"expiration":"2020-01-01T00:00:00Z","conditions":[]}`))}}, "x", 403, "AccessDenied"},
		{"unsigned", [][2]string{{"key", "k"}, {"policy", good}}, "x", 400, "InvalidArgument"},
		{"conditions missing", [][2]string{{"key", "k"}, {"x-amz-signature", "0"}, {"policy", base64.StdEncoding.EncodeToString([]byte(`{"expiration":"2030-01-01T00:00:00Z","CONDITIONS":[]}`))}}, "x", 400, "InvalidPolicyDocument"},
	} {
		r := post(tt.fields, tt.file)
		if r.status != tt.status || !strings.Contains(string(r.body), "<Code>"+tt.code+"</Code>") {
			t.Errorf("%s: %d %s", tt.name, r.status, r.body)
		}
	}
	// Without a policy (anonymous), with a redirect.
	r = post([][2]string{{"key", "anon.txt"}, {"success_action_redirect", "https://app.example.com/done"}}, "anon")
	if r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "https://app.example.com/done?") ||
		!strings.Contains(r.header.Get("Location"), "key=anon.txt") {
		t.Errorf("redirect: %d %v", r.status, r.header)
	}
}

// Configurations are stored and given back as set.
func TestS3BucketConfigurations(t *testing.T) {
	n := sharedNubo(t)
	c := s3Client(n)
	ctx := context.Background()
	b := createBucket(t, c, "configs")
	_, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String(b),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("team"), Value: aws.String("data")}}}})
	if err != nil {
		t.Fatal(err)
	}
	tags, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(b)})
	if err != nil || len(tags.TagSet) != 1 {
		t.Errorf("GetBucketTagging: %v %+v", err, tags)
	}
	_, err = c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(b)})
	if s3Code(err) != "NoSuchBucketPolicy" {
		t.Errorf("no policy: %v", err)
	}
	doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%s/*"}]}`, b)
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(b), Policy: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	pol, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(b)})
	if err != nil || aws.ToString(pol.Policy) != doc {
		t.Errorf("GetBucketPolicy: %v %q", err, aws.ToString(pol.Policy))
	}
	_, err = c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String(b),
		LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{
			ID: aws.String("expire-logs"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("logs/")},
			Expiration:                     &types.LifecycleExpiration{Days: aws.Int32(7)},
			AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(1)},
		}}}})
	if err != nil {
		t.Fatal(err)
	}
	lc, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(b)})
	if err != nil || len(lc.Rules) != 1 || aws.ToInt32(lc.Rules[0].Expiration.Days) != 7 || aws.ToString(lc.Rules[0].Filter.Prefix) != "logs/" {
		t.Errorf("GetBucketLifecycleConfiguration: %v %+v", err, lc)
	}
	out := put(t, c, b, "logs/today", "x")
	if !strings.Contains(aws.ToString(out.Expiration), `rule-id="expire-logs"`) {
		t.Errorf("x-amz-expiration %q", aws.ToString(out.Expiration))
	}
	oc, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: aws.String(b)})
	if err != nil || oc.OwnershipControls.Rules[0].ObjectOwnership != types.ObjectOwnershipBucketOwnerEnforced {
		t.Errorf("ownership controls: %v %+v", err, oc)
	}
	pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(b)})
	if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicAcls) {
		t.Errorf("public access block: %v %+v", err, pab)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("public"), Body: strings.NewReader("x"), ACL: types.ObjectCannedACLPublicRead})
	if s3Code(err) != "AccessControlListNotSupported" {
		t.Errorf("a public ACL on an enforced bucket: %v", err)
	}
}

// Expect: 100-continue: a refused upload is answered before its body is
// sent.
func TestS3ExpectContinue(t *testing.T) {
	n := sharedNubo(t)
	conn, err := net.Dial("tcp", n.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "PUT /no-such-bucket-for-expect/k HTTP/1.1\r\nHost: %s\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n"+
		"Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00\r\n\r\n", n.addr)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	line := make([]byte, 12)
	if _, err := io.ReadFull(conn, line); err != nil || string(line) != "HTTP/1.1 404" {
		t.Errorf("answer before the body: %q %v", line, err)
	}
}
