package s3

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestLifecycleValidation(t *testing.T) {
	f := newFixture(t)
	f.createBucket("life")
	put := func(rules ...LifecycleRule) error {
		return f.svc.PutBucketLifecycleConfiguration(bg, &PutBucketLifecycleConfigurationInput{Bucket: "life", LifecycleConfiguration: &LifecycleConfiguration{Rules: rules}})
	}
	days := func(n int32) *LifecycleExpiration { return &LifecycleExpiration{Days: ptr(n)} }
	for _, tc := range []struct {
		name string
		rule LifecycleRule
		code string
	}{
		{"ok", LifecycleRule{Status: "Enabled", Expiration: days(1)}, ""},
		{"bad status", LifecycleRule{Status: "On", Expiration: days(1)}, "MalformedXML"},
		{"no action", LifecycleRule{Status: "Enabled"}, "InvalidRequest"},
		{"zero days", LifecycleRule{Status: "Enabled", Expiration: days(0)}, "InvalidArgument"},
		{"days and marker", LifecycleRule{Status: "Enabled", Expiration: &LifecycleExpiration{Days: ptr(int32(1)), ExpiredObjectDeleteMarker: ptr(true)}}, "MalformedXML"},
		{"date not midnight", LifecycleRule{Status: "Enabled", Expiration: &LifecycleExpiration{Date: ptr(time.Date(2030, 1, 1, 5, 0, 0, 0, time.UTC))}}, "InvalidArgument"},
		{"prefix and filter", LifecycleRule{Status: "Enabled", Prefix: ptr("a"), Filter: &LifecycleRuleFilter{}, Expiration: days(1)}, "MalformedXML"},
		{"two filter conditions", LifecycleRule{Status: "Enabled", Filter: &LifecycleRuleFilter{Prefix: ptr("a"), Tag: &Tag{"k", "v"}}, Expiration: days(1)}, "MalformedXML"},
		{"abort with tags", LifecycleRule{Status: "Enabled", Filter: &LifecycleRuleFilter{Tag: &Tag{"k", "v"}}, AbortIncompleteMultipartUpload: &AbortIncompleteMultipartUpload{DaysAfterInitiation: ptr(int32(1))}}, "InvalidRequest"},
		{"bad transition class", LifecycleRule{Status: "Enabled", Transitions: []Transition{{Days: ptr(int32(30)), StorageClass: "STANDARD"}}}, "MalformedXML"},
		{"long id", LifecycleRule{ID: strings.Repeat("x", 256), Status: "Enabled", Expiration: days(1)}, "InvalidArgument"},
	} {
		if got := codeOf(put(tc.rule)); got != tc.code {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.code)
		}
	}
	r := LifecycleRule{ID: "same", Status: "Enabled", Expiration: days(1)}
	if err := put(r, r); codeOf(err) != "InvalidArgument" {
		t.Errorf("duplicate ids: %v", err)
	}
	f.svc.DeleteBucketLifecycle(bg, &BucketInput{Bucket: "life"})
	if _, err := f.svc.GetBucketLifecycleConfiguration(bg, &BucketInput{Bucket: "life"}); codeOf(err) != "NoSuchLifecycleConfiguration" {
		t.Errorf("deleted: %v", err)
	}
}

func TestLifecycleSweep(t *testing.T) {
	f := newFixture(t)
	f.createBucket("plain")
	f.createBucket("vers")
	f.versioning("vers", VersioningEnabled)
	// Objects written at 2030-01-01 12:00: one day later rounds up to
	// 2030-01-03 00:00.
	f.put("plain", "logs/a", "a")
	f.put("plain", "keep/b", "b")
	f.svc.PutObject(bg, &PutObjectInput{Bucket: "plain", Key: "tagged", Body: strings.NewReader("t"), Tagging: "expire=yes"})
	f.put("plain", "big", strings.Repeat("x", 100))
	f.put("vers", "doc", "v1")
	f.clock.Advance(time.Hour)
	f.put("vers", "doc", "v2") // v1 noncurrent since 13:00
	f.put("vers", "lone", "x")
	f.svc.DeleteObject(bg, &DeleteObjectInput{Bucket: "vers", Key: "lone"})
	lone, _ := f.svc.ListObjectVersions(bg, &ListObjectVersionsInput{Bucket: "vers", Prefix: "lone"})
	f.svc.DeleteObject(bg, &DeleteObjectInput{Bucket: "vers", Key: "lone", VersionId: lone.Versions[0].VersionId}) // only the marker is left
	id := f.upload("plain", "upl", "", "")
	rules := map[string][]LifecycleRule{
		"plain": {
			{ID: "logs", Status: "Enabled", Filter: &LifecycleRuleFilter{Prefix: ptr("logs/")}, Expiration: &LifecycleExpiration{Days: ptr(int32(1))}},
			{ID: "tags", Status: "Enabled", Filter: &LifecycleRuleFilter{Tag: &Tag{"expire", "yes"}}, Expiration: &LifecycleExpiration{Days: ptr(int32(1))}},
			{ID: "big", Status: "Enabled", Filter: &LifecycleRuleFilter{ObjectSizeGreaterThan: ptr(int64(50))}, Transitions: []Transition{{Days: ptr(int32(1)), StorageClass: "GLACIER"}}},
			{ID: "mpu", Status: "Enabled", AbortIncompleteMultipartUpload: &AbortIncompleteMultipartUpload{DaysAfterInitiation: ptr(int32(2))}},
			{ID: "off", Status: "Disabled", Filter: &LifecycleRuleFilter{Prefix: ptr("keep/")}, Expiration: &LifecycleExpiration{Days: ptr(int32(1))}},
		},
		"vers": {
			{ID: "cur", Status: "Enabled", Filter: &LifecycleRuleFilter{Prefix: ptr("doc")}, Expiration: &LifecycleExpiration{Days: ptr(int32(3))}, NoncurrentVersionExpiration: &NoncurrentVersionExpiration{NoncurrentDays: ptr(int32(1))}},
			{ID: "markers", Status: "Enabled", Filter: &LifecycleRuleFilter{Prefix: ptr("lone")}, Expiration: &LifecycleExpiration{ExpiredObjectDeleteMarker: ptr(true)}},
		},
	}
	for b, rs := range rules {
		if err := f.svc.PutBucketLifecycleConfiguration(bg, &PutBucketLifecycleConfigurationInput{Bucket: b, LifecycleConfiguration: &LifecycleConfiguration{Rules: rs}}); err != nil {
			t.Fatal(err)
		}
	}
	state := func() string {
		var s []string
		for _, b := range []string{"plain", "vers"} {
			out, _ := f.svc.ListObjectVersions(bg, &ListObjectVersionsInput{Bucket: b})
			for _, v := range out.Versions {
				s = append(s, b+"/"+v.Key+":"+v.StorageClass[:1])
			}
			for _, m := range out.DeleteMarkers {
				s = append(s, b+"/"+m.Key+":marker")
			}
			ups, _ := f.svc.ListMultipartUploads(bg, &ListMultipartUploadsInput{Bucket: b})
			for _, u := range ups.Uploads {
				s = append(s, b+"/"+u.Key+":upload")
			}
		}
		return strings.Join(s, " ")
	}
	steps := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2030, 1, 2, 23, 59, 0, 0, time.UTC), "plain/big:S plain/keep/b:S plain/logs/a:S plain/tagged:S plain/upl:upload vers/doc:S vers/doc:S"},
		{time.Date(2030, 1, 3, 0, 0, 0, 0, time.UTC), "plain/big:G plain/keep/b:S plain/upl:upload vers/doc:S"},
		{time.Date(2030, 1, 4, 0, 0, 0, 0, time.UTC), "plain/big:G plain/keep/b:S vers/doc:S"},
		{time.Date(2030, 1, 5, 0, 0, 0, 0, time.UTC), "plain/big:G plain/keep/b:S vers/doc:S vers/doc:marker"},
	}
	for i, st := range steps {
		f.clock.now = st.at
		if err := f.svc.sweep(bg); err != nil {
			t.Fatal(err)
		}
		if got := state(); got != st.want {
			t.Errorf("step %d (%s):\n got %s\nwant %s", i, st.at, got, st.want)
		}
	}
	if _, err := f.svc.ListParts(bg, &ListPartsInput{Bucket: "plain", Key: "upl", UploadId: id}); codeOf(err) != "NoSuchUpload" {
		t.Errorf("aborted upload: %v", err)
	}
}

func TestNotificationDelivery(t *testing.T) {
	f := newFixture(t)
	f.createBucket("events")
	f.versioning("events", VersioningEnabled)
	queue := "arn:aws:sqs:us-east-1:000000000000:q"
	fn := "arn:aws:lambda:us-east-1:000000000000:function:f"
	cfg := &NotificationConfiguration{
		QueueConfigurations: []QueueConfiguration{{Id: "created", QueueArn: queue, Events: []string{"s3:ObjectCreated:*"},
			Filter: &NotificationConfigurationFilter{Key: &S3KeyFilter{FilterRules: []FilterRule{{Name: "suffix", Value: ".jpg"}}}}}},
		LambdaFunctionConfigurations: []LambdaFunctionConfiguration{{Id: "removed", LambdaFunctionArn: fn, Events: []string{"s3:ObjectRemoved:*"}}},
		EventBridgeConfiguration:     &EventBridgeConfiguration{},
	}
	if err := f.svc.PutBucketNotificationConfiguration(bg, &PutBucketNotificationConfigurationInput{Bucket: "events", NotificationConfiguration: cfg}); err != nil {
		t.Fatal(err)
	}
	test := f.notifier.wait(t, 1)[0]
	var te TestEvent
	json.Unmarshal(test.Message, &te)
	if test.Destination != queue || te.Event != "s3:TestEvent" || te.Bucket != "events" || te.Service != "Amazon S3" {
		t.Errorf("test event %s %s", test.Destination, test.Message)
	}
	ctx := WithCaller(bg, Caller{PrincipalID: "AWS:AIDEXAMPLE", SourceIP: "10.0.0.1", RequestID: "REQ1", HostID: "HOST1"})
	put, err := f.svc.PutObject(ctx, &PutObjectInput{Bucket: "events", Key: "my photo.jpg", Body: strings.NewReader("12345")})
	if err != nil {
		t.Fatal(err)
	}
	f.put("events", "notes.txt", "no queue event, a bridge event")
	del, _ := f.svc.DeleteObject(ctx, &DeleteObjectInput{Bucket: "events", Key: "my photo.jpg"})
	got := f.notifier.wait(t, 6)
	byDest := map[string][]delivery{}
	for _, d := range got[1:] {
		byDest[d.Destination] = append(byDest[d.Destination], d)
	}
	bus := "arn:aws:events:us-east-1:000000000000:event-bus/default"
	if len(byDest[queue]) != 1 || len(byDest[fn]) != 1 || len(byDest[bus]) != 3 {
		t.Fatalf("deliveries %v", byDest)
	}
	r := decodeMessage(t, byDest[queue][0].Message).Records[0]
	if r.EventVersion != "2.1" || r.EventSource != "aws:s3" || r.AWSRegion != "us-east-1" || r.EventName != "ObjectCreated:Put" ||
		r.UserIdentity.PrincipalID != "AWS:AIDEXAMPLE" || r.RequestParameters.SourceIPAddress != "10.0.0.1" ||
		r.ResponseElements.RequestID != "REQ1" || r.ResponseElements.ID2 != "HOST1" || r.S3.SchemaVersion != "1.0" ||
		r.S3.ConfigurationID != "created" || r.S3.Bucket.Name != "events" || r.S3.Bucket.ARN != "arn:aws:s3:::events" ||
		r.S3.Object.Key != "my+photo.jpg" || *r.S3.Object.Size != 5 || r.S3.Object.ETag != strings.Trim(put.ETag, `"`) ||
		r.S3.Object.VersionID != put.VersionId || len(r.S3.Object.Sequencer) != 16 || r.EventTime != "2030-01-01T12:00:00.000Z" {
		t.Errorf("record %+v", r)
	}
	rm := decodeMessage(t, byDest[fn][0].Message).Records[0]
	if rm.EventName != "ObjectRemoved:DeleteMarkerCreated" || rm.S3.Object.Size != nil || rm.S3.Object.ETag != "" ||
		rm.S3.Object.VersionID != del.VersionId || rm.S3.Object.Sequencer <= r.S3.Object.Sequencer {
		t.Errorf("removal record %+v", rm)
	}
	// Deliveries are not ordered (nor are AWS's): find the photo's creation.
	var be bridgeEvent
	for _, d := range byDest[bus] {
		var e bridgeEvent
		json.Unmarshal(d.Message, &e)
		if e.DetailType == "Object Created" && e.Detail.Object.Key == "my photo.jpg" {
			be = e
		}
	}
	if be.Source != "aws.s3" || be.Detail.Reason != "PutObject" || len(be.Resources) == 0 || be.Resources[0] != "arn:aws:s3:::events" {
		t.Errorf("bridge events %v, the photo's creation %+v", byDest[bus], be)
	}
	// A destination that fails gets the event again later.
	f.notifier.mu.Lock()
	f.notifier.fail = true
	f.notifier.mu.Unlock()
	f.put("events", "retry.jpg", "r")
	f.lease = 2 * time.Second // a failed delivery returns once its lease runs out
	f.restart()
	f.notifier.mu.Lock()
	f.notifier.fail = false
	f.notifier.mu.Unlock()
	got = f.notifier.wait(t, 8)
	keys := ""
	for _, d := range got[6:] {
		if d.Destination == queue {
			keys += decodeMessage(t, d.Message).Records[0].S3.Object.Key
		}
	}
	if keys != "retry.jpg" {
		t.Errorf("retried deliveries %q", keys)
	}
	if out, _ := f.svc.GetBucketNotificationConfiguration(bg, &BucketInput{Bucket: "events"}); len(out.QueueConfigurations) != 1 || out.QueueConfigurations[0].Filter.Key.FilterRules[0].Name != "Suffix" {
		t.Errorf("configuration after restart %+v", out)
	}
}
