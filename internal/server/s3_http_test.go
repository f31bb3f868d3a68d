package server_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
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

	"github.com/nubo-dev/nubo/internal/sigv4"
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
		r := n.do(t, "PUT", "/a//b", map[string]string{hostHeader: host, signHeader: "s3"}, []byte("v:"+host))
		if r.status != 200 {
			t.Fatalf("PUT via %s: %d %s", host, r.status, r.body)
		}
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
	// A page's script signs its request (or a presigned URL): its answer
	// carries the rule's headers.
	r = n.do(t, "GET", "/"+b+"/k", map[string]string{"Origin": "https://app.example.com", signHeader: "s3"}, nil)
	if r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || r.header.Get("Access-Control-Expose-Headers") != "ETag" {
		t.Errorf("actual request: %d %v", r.status, r.header)
	}
	// Unsigned, it is anonymous, which no bucket policy allows here.
	if r := n.do(t, "GET", "/"+b+"/k", map[string]string{"Origin": "https://app.example.com"}, nil); r.status != 403 ||
		!strings.Contains(string(r.body), "<Code>AccessDenied</Code><Message>Access Denied</Message>") {
		t.Errorf("anonymous actual request: %d %s", r.status, r.body)
	}
	// A page of an origin the rules do not name is refused before S3.
	if r := n.do(t, "GET", "/"+b+"/k", map[string]string{"Origin": "https://evil.test", signHeader: "s3"}, nil); r.status != 403 ||
		!strings.Contains(string(r.body), "web pages") {
		t.Errorf("request of another origin: %d %s", r.status, r.body)
	}
}

// A browser form upload under a policy (what the SDKs' presigned POST
// makes): the policy signed with the uploader's key, its conditions held.
func TestS3PostPolicy(t *testing.T) {
	n := sharedNubo(t)
	c := s3Client(n)
	b := createBucket(t, c, "postpolicy")
	now := time.Now().UTC()
	cred := "test/" + now.Format("20060102") + "/" + n.region + "/s3/aws4_request"
	date := now.Format("20060102T150405Z")
	// policy is a policy document with conds and the signature's own fields.
	policy := func(expiration time.Time, conds ...any) string {
		conds = append(conds, map[string]string{"x-amz-algorithm": "AWS4-HMAC-SHA256"}, map[string]string{"x-amz-credential": cred},
			map[string]string{"x-amz-date": date})
		doc, _ := json.Marshal(map[string]any{"expiration": expiration.Format("2006-01-02T15:04:05.000Z"), "conditions": conds})
		return base64.StdEncoding.EncodeToString(doc)
	}
	// signed are the fields of a form of the policy, signed by secret.
	signed := func(policy, secret string, fields ...[2]string) [][2]string {
		mac := hmac.New(sha256.New, sigv4.DeriveKey(secret, now.Format("20060102"), n.region, "s3"))
		mac.Write([]byte(policy))
		return append(fields, [2]string{"policy", policy}, [2]string{"x-amz-algorithm", "AWS4-HMAC-SHA256"},
			[2]string{"x-amz-credential", cred}, [2]string{"x-amz-date", date}, [2]string{"x-amz-signature", hex.EncodeToString(mac.Sum(nil))})
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
	hour := now.Add(time.Hour)
	good := policy(hour, map[string]string{"bucket": b}, []any{"starts-with", "$key", "uploads/"}, []any{"content-length-range", 1, 100},
		map[string]string{"success_action_status": "201"}, []any{"starts-with", "$Content-Type", "image/"}, map[string]string{"x-amz-meta-who": "ada"})
	fields := func(key, contentType string, extra ...[2]string) [][2]string {
		return append([][2]string{{"key", key}, {"success_action_status", "201"}, {"Content-Type", contentType}, {"x-amz-meta-who", "ada"}}, extra...)
	}
	r := post(signed(good, "test", fields("uploads/${filename}", "image/jpeg")...), "jpeg bytes")
	var res struct{ Bucket, Key, ETag, Location string }
	if err := xml.Unmarshal(r.body, &res); err != nil || r.status != 201 || res.Key != "uploads/photo.jpg" || res.ETag != md5hex("jpeg bytes") {
		t.Fatalf("POST upload: %d %s", r.status, r.body)
	}
	got, body := getBody(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("uploads/photo.jpg")})
	if body != "jpeg bytes" || aws.ToString(got.ContentType) != "image/jpeg" || got.Metadata["who"] != "ada" {
		t.Errorf("posted object: %q %+v", body, got)
	}
	expired := policy(now.Add(-time.Hour))
	for _, tt := range []struct {
		name   string
		fields [][2]string
		file   string
		status int
		code   string
	}{
		{"key outside the policy", signed(good, "test", fields("elsewhere/x", "image/png")...), "x", 403, "AccessDenied"},
		{"a field the policy does not name", signed(good, "test", fields("uploads/x", "image/png", [2]string{"x-amz-meta-extra", "1"})...), "x", 403, "AccessDenied"},
		{"too large", signed(good, "test", fields("uploads/x", "image/png")...), strings.Repeat("x", 101), 400, "EntityTooLarge"},
		{"expired", signed(expired, "test", [2]string{"key", "k"}), "x", 403, "AccessDenied"},
		{"signed with another key", signed(good, "not-the-secret", fields("uploads/x", "image/png")...), "x", 403, "SignatureDoesNotMatch"},
		{"unsigned", [][2]string{{"key", "k"}, {"policy", good}}, "x", 400, "InvalidArgument"},
		{"no credential", [][2]string{{"key", "k"}, {"policy", good}, {"x-amz-signature", "00"}}, "x", 400, "InvalidArgument"},
		{"conditions missing", signed(base64.StdEncoding.EncodeToString([]byte(`{"expiration":"2030-01-01T00:00:00Z","CONDITIONS":[]}`)), "test", [2]string{"key", "k"}), "x", 400, "InvalidPolicyDocument"},
	} {
		r := post(tt.fields, tt.file)
		if r.status != tt.status || !strings.Contains(string(r.body), "<Code>"+tt.code+"</Code>") {
			t.Errorf("%s: %d %s", tt.name, r.status, r.body)
		}
	}
	// Without a policy, the upload is anonymous: only the bucket's policy
	// can allow it.
	anon := [][2]string{{"key", "anon.txt"}, {"success_action_redirect", "https://app.example.com/done"}}
	if r := post(anon, "anon"); r.status != 403 || !strings.Contains(string(r.body), "<Code>AccessDenied</Code>") {
		t.Errorf("anonymous upload without a bucket policy: %d %s", r.status, r.body)
	}
	doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::%s/anon.txt"}]}`, b)
	if _, err := c.PutBucketPolicy(context.Background(), &s3.PutBucketPolicyInput{Bucket: aws.String(b), Policy: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	r = post(anon, "anon")
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
// sent, whether its signature is refused or its bucket is missing.
func TestS3ExpectContinue(t *testing.T) {
	n := sharedNubo(t)
	for _, tt := range []struct {
		secret, want string
	}{{"test", "HTTP/1.1 404"}, {"not-the-secret", "HTTP/1.1 403"}} {
		req, _ := http.NewRequest("PUT", "http://"+n.addr+"/no-such-bucket-for-expect/k", nil)
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		if err := s3Signer("s3").SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: tt.secret}, req,
			"UNSIGNED-PAYLOAD", "s3", n.region, time.Now()); err != nil {
			t.Fatal(err)
		}
		conn, err := net.Dial("tcp", n.addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "PUT /no-such-bucket-for-expect/k HTTP/1.1\r\nHost: %s\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n", n.addr)
		for _, h := range []string{"Authorization", "X-Amz-Date", "X-Amz-Content-Sha256"} {
			fmt.Fprintf(conn, "%s: %s\r\n", h, req.Header.Get(h))
		}
		fmt.Fprintf(conn, "\r\n")
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		line := make([]byte, 12)
		if _, err := io.ReadFull(conn, line); err != nil || string(line) != tt.want {
			t.Errorf("answer before the body: %q %v, want %q", line, err, tt.want)
		}
		conn.Close()
	}
}
