package s3

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

func TestValidBucketName(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"abc", true},
		{"my-bucket.example-1", true},
		{"ab", false},
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 64), false},
		{"My-Bucket", false},
		{"my_bucket", false},
		{"-bucket", false},
		{"bucket-", false},
		{".bucket", false},
		{"my..bucket", false},
		{"my-.bucket", false},
		{"my.-bucket", false},
		{"my.b-c.d", true},
		{"192.168.5.4", false},
		{"192.168.5.4a", true},
		{"xn--bucket", false},
		{"sthree-bucket", false},
		{"amzn-s3-demo-bucket", false},
		{"bucket-s3alias", false},
		{"bucket--ol-s3", false},
		{"bucket.mrap", false},
		{"bucket--x-s3", false},
		{"bucket--table-s3", false},
	} {
		if got := ValidBucketName(tc.name); got != tc.want {
			t.Errorf("ValidBucketName(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func FuzzValidBucketName(f *testing.F) {
	for _, s := range []string{"abc", "a.b-c", "192.168.0.1", "xn--a", "a..b", strings.Repeat("z", 63)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if !ValidBucketName(name) {
			return
		}
		if len(name) < 3 || len(name) > 63 || strings.Contains(name, "..") || strings.ToLower(name) != name {
			t.Fatalf("accepted %q", name)
		}
		for _, c := range name {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
				t.Fatalf("accepted %q with %q", name, c)
			}
		}
	})
}

func TestParseRange(t *testing.T) {
	for _, tc := range []struct {
		header      string
		size        int64
		start, len_ int64
		ok          bool
		code        string
	}{
		{"bytes=0-9", 100, 0, 10, true, ""},
		{"bytes=10-", 100, 10, 90, true, ""},
		{"bytes=-10", 100, 90, 10, true, ""},
		{"bytes=-200", 100, 0, 100, true, ""},
		{"bytes=90-200", 100, 90, 10, true, ""},
		{"bytes=99-99", 100, 99, 1, true, ""},
		{"bytes=100-", 100, 0, 0, false, "InvalidRange"},
		{"bytes=100-200", 100, 0, 0, false, "InvalidRange"},
		{"bytes=-0", 100, 0, 0, false, "InvalidRange"},
		{"bytes=0-", 0, 0, 0, false, "InvalidRange"},
		{"bytes=-5", 0, 0, 0, false, ""},
		{"bytes=5-2", 100, 0, 0, false, ""},     // last < first: ignored
		{"bytes=0-1,3-4", 100, 0, 0, false, ""}, // several ranges: the whole object
		{"bytes=abc", 100, 0, 0, false, ""},
		{"bytes=-", 100, 0, 0, false, ""},
		{"bytes=+1-2", 100, 0, 0, false, ""},
		{"items=0-1", 100, 0, 0, false, ""},
		{"", 100, 0, 0, false, ""},
	} {
		r, ok, err := ParseRange(tc.header, tc.size)
		if codeOf(err) != tc.code || ok != tc.ok || ok && (r.Start != tc.start || r.Length != tc.len_) {
			t.Errorf("ParseRange(%q, %d) = %+v, %v, %v; want %d+%d, %v, %q", tc.header, tc.size, r, ok, err, tc.start, tc.len_, tc.ok, tc.code)
		}
		if tc.code == "InvalidRange" && (fieldOf(err, "RangeRequested") != tc.header || fieldOf(err, "ActualObjectSize") == nil) {
			t.Errorf("ParseRange(%q): fields %v", tc.header, err)
		}
	}
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-9", "bytes=-5", "bytes=3-", "bytes=0-1,2-3", "bytes=99999999999999999999-"} {
		f.Add(s, int64(100))
	}
	f.Fuzz(func(t *testing.T, header string, size int64) {
		if size < 0 {
			size = -size
		}
		if size < 0 {
			return
		}
		r, ok, _ := ParseRange(header, size)
		if ok && (r.Start < 0 || r.Length <= 0 || r.Start+r.Length > size) {
			t.Fatalf("ParseRange(%q, %d) = %+v outside the object", header, size, r)
		}
	})
}

func TestConditions(t *testing.T) {
	mod := time.Date(2030, 1, 1, 12, 0, 0, 500, time.UTC)
	now := mod.Add(time.Hour)
	before, after := mod.Add(-time.Minute), mod.Add(time.Minute)
	etag := `"abc"`
	for _, tc := range []struct {
		name string
		c    Conditions
		read string // code for GET/HEAD
		copy string // code for a copy source
	}{
		{"none", Conditions{}, "", ""},
		{"if-match", Conditions{IfMatch: `"abc"`}, "", ""},
		{"if-match unquoted", Conditions{IfMatch: `abc`}, "", ""},
		{"if-match list", Conditions{IfMatch: `"x", "abc"`}, "", ""},
		{"if-match star", Conditions{IfMatch: `*`}, "", ""},
		{"if-match fails", Conditions{IfMatch: `"x"`}, "PreconditionFailed", "PreconditionFailed"},
		{"if-none-match matches", Conditions{IfNoneMatch: `"abc"`}, "NotModified", "PreconditionFailed"},
		{"if-none-match other", Conditions{IfNoneMatch: `"x"`}, "", ""},
		{"modified since before", Conditions{IfModifiedSince: &before}, "", ""},
		{"modified since after", Conditions{IfModifiedSince: &after}, "NotModified", "PreconditionFailed"},
		{"modified since the second", Conditions{IfModifiedSince: ptr(mod.Truncate(time.Second))}, "NotModified", "PreconditionFailed"},
		{"modified since future ignored", Conditions{IfModifiedSince: ptr(now.Add(time.Hour))}, "", ""},
		{"unmodified since after", Conditions{IfUnmodifiedSince: &after}, "", ""},
		{"unmodified since before", Conditions{IfUnmodifiedSince: &before}, "PreconditionFailed", "PreconditionFailed"},
		{"if-match true beats unmodified-since false", Conditions{IfMatch: etag, IfUnmodifiedSince: &before}, "", ""},
		{"none-match false beats modified-since true", Conditions{IfNoneMatch: etag, IfModifiedSince: &before}, "NotModified", "PreconditionFailed"},
		{"none-match true ignores modified-since", Conditions{IfNoneMatch: `"x"`, IfModifiedSince: &after}, "", ""},
	} {
		if got := codeOf(tc.c.check(etag, mod, now, true)); got != tc.read {
			t.Errorf("%s: read: %q, want %q", tc.name, got, tc.read)
		}
		if got := codeOf(tc.c.check(etag, mod, now, false)); got != tc.copy {
			t.Errorf("%s: copy: %q, want %q", tc.name, got, tc.copy)
		}
	}
}

func TestMatchCORS(t *testing.T) {
	rules := []CORSRule{
		{AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"GET", "PUT"}, AllowedHeaders: []string{"x-amz-*", "Content-Type"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: ptr(int32(300))},
		{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}},
	}
	for _, tc := range []struct {
		name               string
		req                CORSRequest
		origin, headers    string
		maxAge, noMatchWhy string
		creds              bool
	}{
		{name: "wildcard subdomain", req: CORSRequest{Origin: "https://app.example.com", Method: "PUT", Headers: []string{"X-Amz-Date", "content-type"}}, origin: "https://app.example.com", headers: "x-amz-date, content-type", maxAge: "300", creds: true},
		{name: "any origin", req: CORSRequest{Origin: "https://other.org", Method: "GET"}, origin: "*"},
		{name: "method not allowed", req: CORSRequest{Origin: "https://other.org", Method: "PUT"}, noMatchWhy: "no rule"},
		{name: "header not allowed", req: CORSRequest{Origin: "https://a.example.com", Method: "PUT", Headers: []string{"Authorization"}}, noMatchWhy: "no rule"},
		{name: "no origin", req: CORSRequest{Method: "GET"}, noMatchWhy: "no origin"},
	} {
		got := MatchCORS(rules, tc.req)
		if tc.noMatchWhy != "" {
			if got != nil {
				t.Errorf("%s: matched %+v", tc.name, got)
			}
			continue
		}
		if got == nil || got.AllowOrigin != tc.origin || got.AllowHeaders != tc.headers || got.MaxAge != tc.maxAge || got.AllowCredentials != tc.creds {
			t.Errorf("%s: got %+v", tc.name, got)
		}
	}
	if err := checkCORS([]CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"PATCH"}}}); codeOf(err) != "InvalidRequest" {
		t.Errorf("PATCH accepted: %v", err)
	}
	if err := checkCORS([]CORSRule{{AllowedOrigins: []string{"*.*"}, AllowedMethods: []string{"GET"}}}); codeOf(err) != "InvalidRequest" {
		t.Errorf("two wildcards accepted: %v", err)
	}
}

func TestNotificationValidation(t *testing.T) {
	q := "arn:aws:sqs:us-east-1:000000000000:q"
	q2 := "arn:aws:sqs:us-east-1:000000000000:q2"
	filter := func(rules ...FilterRule) *NotificationConfigurationFilter {
		return &NotificationConfigurationFilter{Key: &S3KeyFilter{FilterRules: rules}}
	}
	for _, tc := range []struct {
		name string
		cfg  NotificationConfiguration
		code string
	}{
		{"one queue", NotificationConfiguration{QueueConfigurations: []QueueConfiguration{{QueueArn: q, Events: []string{"s3:ObjectCreated:*"}}}}, ""},
		{"unknown event", NotificationConfiguration{QueueConfigurations: []QueueConfiguration{{QueueArn: q, Events: []string{"s3:ObjectCreated:Foo"}}}}, "InvalidArgument"},
		{"no events", NotificationConfiguration{QueueConfigurations: []QueueConfiguration{{QueueArn: q}}}, "MalformedXML"},
		{"bad arn", NotificationConfiguration{QueueConfigurations: []QueueConfiguration{{QueueArn: "queue", Events: []string{"s3:ObjectCreated:*"}}}}, "InvalidArgument"},
		{"topic arn as queue", NotificationConfiguration{QueueConfigurations: []QueueConfiguration{{QueueArn: "arn:aws:sns:us-east-1:000000000000:t", Events: []string{"s3:ObjectCreated:*"}}}}, "InvalidArgument"},
		{"other region", NotificationConfiguration{QueueConfigurations: []QueueConfiguration{{QueueArn: "arn:aws:sqs:eu-west-1:000000000000:q", Events: []string{"s3:ObjectCreated:*"}}}}, "InvalidArgument"},
		{"bad filter name", NotificationConfiguration{QueueConfigurations: []QueueConfiguration{{QueueArn: q, Events: []string{"s3:ObjectCreated:*"}, Filter: filter(FilterRule{Name: "infix", Value: "a"})}}}, "InvalidArgument"},
		{"two prefixes", NotificationConfiguration{QueueConfigurations: []QueueConfiguration{{QueueArn: q, Events: []string{"s3:ObjectCreated:*"}, Filter: filter(FilterRule{Name: "prefix", Value: "a"}, FilterRule{Name: "Prefix", Value: "b"})}}}, "InvalidArgument"},
		{"same events no filters overlap", NotificationConfiguration{QueueConfigurations: []QueueConfiguration{
			{QueueArn: q, Events: []string{"s3:ObjectCreated:*"}}, {QueueArn: q2, Events: []string{"s3:ObjectCreated:Put"}}}}, "InvalidArgument"},
		{"disjoint prefixes", NotificationConfiguration{QueueConfigurations: []QueueConfiguration{
			{QueueArn: q, Events: []string{"s3:ObjectCreated:*"}, Filter: filter(FilterRule{Name: "prefix", Value: "a/"})},
			{QueueArn: q2, Events: []string{"s3:ObjectCreated:*"}, Filter: filter(FilterRule{Name: "prefix", Value: "b/"})}}}, ""},
		{"nested prefixes, same suffix", NotificationConfiguration{QueueConfigurations: []QueueConfiguration{
			{QueueArn: q, Events: []string{"s3:ObjectCreated:*"}, Filter: filter(FilterRule{Name: "prefix", Value: "a/"}, FilterRule{Name: "suffix", Value: ".jpg"})},
			{QueueArn: q2, Events: []string{"s3:ObjectCreated:*"}, Filter: filter(FilterRule{Name: "prefix", Value: "a/b/"}, FilterRule{Name: "suffix", Value: "g"})}}}, "InvalidArgument"},
		{"same prefix, disjoint suffixes", NotificationConfiguration{QueueConfigurations: []QueueConfiguration{
			{QueueArn: q, Events: []string{"s3:ObjectCreated:*"}, Filter: filter(FilterRule{Name: "suffix", Value: ".jpg"})},
			{QueueArn: q2, Events: []string{"s3:ObjectCreated:*"}, Filter: filter(FilterRule{Name: "suffix", Value: ".png"})}}}, ""},
		{"different event families", NotificationConfiguration{QueueConfigurations: []QueueConfiguration{
			{QueueArn: q, Events: []string{"s3:ObjectCreated:*"}}, {QueueArn: q2, Events: []string{"s3:ObjectRemoved:*"}}}}, ""},
		{"across kinds", NotificationConfiguration{
			QueueConfigurations:          []QueueConfiguration{{QueueArn: q, Events: []string{"s3:ObjectRemoved:Delete"}}},
			LambdaFunctionConfigurations: []LambdaFunctionConfiguration{{LambdaFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:f", Events: []string{"s3:ObjectRemoved:*"}}}}, "InvalidArgument"},
	} {
		cfg := tc.cfg
		if got := codeOf(ValidateNotificationConfiguration(&cfg, "us-east-1")); got != tc.code {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.code)
		}
	}
}

func TestFilterMatching(t *testing.T) {
	tg := &target{events: []string{"s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"}, prefix: "images/", suffix: ".jpg"}
	for _, tc := range []struct {
		event, key string
		want       bool
	}{
		{"s3:ObjectCreated:Put", "images/a.jpg", true},
		{"s3:ObjectCreated:CompleteMultipartUpload", "images/x/y.jpg", true},
		{"s3:ObjectRemoved:Delete", "images/a.jpg", true},
		{"s3:ObjectRemoved:DeleteMarkerCreated", "images/a.jpg", false},
		{"s3:ObjectCreated:Put", "images/a.png", false},
		{"s3:ObjectCreated:Put", "docs/a.jpg", false},
		{"s3:ObjectTagging:Put", "images/a.jpg", false},
	} {
		if got := tg.matches(tc.event, tc.key); got != tc.want {
			t.Errorf("matches(%s, %s) = %v", tc.event, tc.key, got)
		}
	}
}

// FuzzNotificationConfiguration decodes arbitrary XML as the wire layer
// would and validates it: nothing may panic, and what validates has a
// well-formed filter of at most one prefix and one suffix rule.
func FuzzNotificationConfiguration(f *testing.F) {
	f.Add(`<NotificationConfiguration><QueueConfiguration><Queue>arn:aws:sqs:us-east-1:1:q</Queue><Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>prefix</Name><Value>a/</Value></FilterRule></S3Key></Filter></QueueConfiguration></NotificationConfiguration>`)
	f.Add(`<NotificationConfiguration><CloudFunctionConfiguration><CloudFunction>arn:aws:lambda:us-east-1:1:function:f</CloudFunction><Event>s3:ObjectRemoved:*</Event></CloudFunctionConfiguration><EventBridgeConfiguration/></NotificationConfiguration>`)
	f.Fuzz(func(t *testing.T, doc string) {
		var cfg NotificationConfiguration
		if xml.Unmarshal([]byte(doc), &cfg) != nil {
			return
		}
		if ValidateNotificationConfiguration(&cfg, "us-east-1") != nil {
			return
		}
		for _, tg := range cfg.targets() {
			if tg.id == "" {
				t.Fatal("validated configuration without an Id")
			}
			_ = tg.matches("s3:ObjectCreated:Put", doc)
		}
	})
}

func TestEncodeEventKey(t *testing.T) {
	for in, want := range map[string]string{
		"red flower.jpg":    "red+flower.jpg",
		"a/b/c.txt":         "a/b/c.txt",
		"dt=2018-05-04/x:y": "dt%3D2018-05-04/x%3Ay",
		"ü+&":               "%C3%BC%2B%26",
	} {
		if got := EncodeEventKey(in); got != want {
			t.Errorf("EncodeEventKey(%q) = %q, want %q", in, got, want)
		}
	}
}
