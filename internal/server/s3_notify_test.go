package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/nubo-dev/nubo/internal/testnet"
)

// s3Record is an S3 event notification record, as AWS documents it.
type s3Record struct {
	EventVersion      string                       `json:"eventVersion"`
	EventSource       string                       `json:"eventSource"`
	AWSRegion         string                       `json:"awsRegion"`
	EventTime         string                       `json:"eventTime"`
	EventName         string                       `json:"eventName"`
	UserIdentity      struct{ PrincipalID string } `json:"userIdentity"`
	RequestParameters struct {
		SourceIPAddress string `json:"sourceIPAddress"`
	} `json:"requestParameters"`
	ResponseElements map[string]string `json:"responseElements"`
	S3               struct {
		SchemaVersion   string `json:"s3SchemaVersion"`
		ConfigurationID string `json:"configurationId"`
		Bucket          struct {
			Name string `json:"name"`
			ARN  string `json:"arn"`
		} `json:"bucket"`
		Object struct {
			Key       string `json:"key"`
			Size      *int64 `json:"size"`
			ETag      string `json:"eTag"`
			Sequencer string `json:"sequencer"`
		} `json:"object"`
	} `json:"s3"`
}

func decodeS3Event(t *testing.T, body string) s3Record {
	t.Helper()
	var ev struct{ Records []s3Record }
	if err := json.Unmarshal([]byte(body), &ev); err != nil || len(ev.Records) != 1 {
		t.Fatalf("not one S3 record: %v: %s", err, body)
	}
	return ev.Records[0]
}

func checkRecord(t *testing.T, r s3Record, bucket, event, key string, size int64) {
	t.Helper()
	if r.EventVersion != "2.1" || r.EventSource != "aws:s3" || r.AWSRegion != region || r.EventName != event ||
		r.S3.SchemaVersion != "1.0" || r.S3.Bucket.Name != bucket || r.S3.Bucket.ARN != "arn:aws:s3:::"+bucket ||
		r.S3.Object.Key != key || r.S3.Object.Sequencer == "" || r.ResponseElements["x-amz-request-id"] == "" ||
		r.RequestParameters.SourceIPAddress != "127.0.0.1" {
		t.Errorf("record: %+v", r)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000Z", r.EventTime); err != nil {
		t.Errorf("eventTime %q", r.EventTime)
	}
	if size >= 0 && (r.S3.Object.Size == nil || *r.S3.Object.Size != size || r.S3.Object.ETag == "") {
		t.Errorf("object size/eTag: %+v", r.S3.Object)
	}
}

// receiveBody waits for one message on a queue and deletes it.
func receiveBody(t *testing.T, c *sqs.Client, url string) string {
	t.Helper()
	m := receiveOne(t, c, url)
	c.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
	return aws.ToString(m.Body)
}

// An upload triggers a function, a queue and a topic with AWS's record.
func TestS3Notifications(t *testing.T) {
	n := startNubo(t, "")
	ctx := context.Background()
	q := n.sqs()
	created := n.createQueue(t, q, "s3-created", nil)
	fromTopic := n.createQueue(t, q, "s3-removed-via-topic", nil)
	topics := n.sns()
	topic, err := topics.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("s3-removed")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := topics.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
		Endpoint: aws.String(queueARN("s3-removed-via-topic")), Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}
	n.createRecorder(t, "on-image")
	n.waitActive(t, "on-image")
	c := s3Client(n)
	b := createBucket(t, c, "notify")
	// As on AWS, each destination's policy lets S3 deliver the bucket's
	// events, and the queue's lets SNS deliver the topic's.
	fromBucket := source{"s3.amazonaws.com", "arn:aws:s3:::" + b}
	n.allowQueue(t, created, fromBucket)
	n.allowTopic(t, aws.ToString(topic.TopicArn), fromBucket)
	n.allowQueue(t, fromTopic, source{"sns.amazonaws.com", aws.ToString(topic.TopicArn)})
	n.allowFunction(t, "on-image", fromBucket)
	filter := func(name, value string) *s3types.NotificationConfigurationFilter {
		return &s3types.NotificationConfigurationFilter{Key: &s3types.S3KeyFilter{FilterRules: []s3types.FilterRule{{Name: s3types.FilterRuleName(name), Value: aws.String(value)}}}}
	}
	cfg := &s3types.NotificationConfiguration{
		QueueConfigurations: []s3types.QueueConfiguration{{Id: aws.String("created"), QueueArn: aws.String(queueARN("s3-created")),
			Events: []s3types.Event{"s3:ObjectCreated:*"}, Filter: filter("prefix", "docs/")}},
		TopicConfigurations: []s3types.TopicConfiguration{{TopicArn: topic.TopicArn, Events: []s3types.Event{"s3:ObjectRemoved:*"}}},
		LambdaFunctionConfigurations: []s3types.LambdaFunctionConfiguration{{LambdaFunctionArn: aws.String(fnARN("on-image")),
			Events: []s3types.Event{"s3:ObjectCreated:Put"}, Filter: filter("suffix", ".jpg")}},
	}
	_, err = c.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String(b), NotificationConfiguration: cfg})
	if err == nil || !strings.Contains(err.Error(), "ambiguously") {
		t.Fatalf("overlapping configurations: %v", err)
	}
	cfg.LambdaFunctionConfigurations[0].Filter = filter("prefix", "images/")
	if _, err := c.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String(b), NotificationConfiguration: cfg}); err != nil {
		t.Fatal(err)
	}
	var test struct{ Service, Event, Bucket string }
	if err := json.Unmarshal([]byte(receiveBody(t, q, created)), &test); err != nil || test.Event != "s3:TestEvent" || test.Bucket != b {
		t.Errorf("test event: %v %+v", err, test)
	}
	receiveBody(t, q, fromTopic) // the topic's test event
	put(t, c, b, "docs/read me.txt", "hello")
	checkRecord(t, decodeS3Event(t, receiveBody(t, q, created)), b, "ObjectCreated:Put", "docs/read+me.txt", 5)
	put(t, c, b, "images/cat.jpg", "meow")
	checkRecord(t, decodeS3Event(t, n.events(t, "on-image", 1)[0]), b, "ObjectCreated:Put", "images/cat.jpg", 4)
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("docs/read me.txt")}); err != nil {
		t.Fatal(err)
	}
	checkRecord(t, decodeS3Event(t, receiveBody(t, q, fromTopic)), b, "ObjectRemoved:Delete", "docs/read+me.txt", -1)
	got, err := c.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: aws.String(b)})
	if err != nil || len(got.QueueConfigurations) != 1 || len(got.TopicConfigurations) != 1 || len(got.LambdaFunctionConfigurations) != 1 ||
		aws.ToString(got.TopicConfigurations[0].Id) == "" {
		t.Errorf("GetBucketNotificationConfiguration: %v %+v", err, got)
	}
	_, err = c.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String(b),
		NotificationConfiguration: &s3types.NotificationConfiguration{QueueConfigurations: []s3types.QueueConfiguration{{
			QueueArn: aws.String(queueARN("no-such-queue")), Events: []s3types.Event{"s3:ObjectCreated:*"}}}}})
	if s3Code(err) != "InvalidArgument" {
		t.Errorf("a queue that does not exist: %v", err)
	}
	// A queue whose policy does not let S3 in is refused as S3 refuses it.
	n.createQueue(t, q, "s3-closed", nil)
	_, err = c.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String(b),
		NotificationConfiguration: &s3types.NotificationConfiguration{QueueConfigurations: []s3types.QueueConfiguration{{
			QueueArn: aws.String(queueARN("s3-closed")), Events: []s3types.Event{"s3:ObjectCreated:*"}}}}})
	if s3Code(err) != "InvalidArgument" || !strings.Contains(err.Error(), "Unable to validate the following destination configurations") {
		t.Errorf("a queue whose policy refuses S3: %v", err)
	}
}

// TestS3NotificationsSurviveKill9 uploads objects into a bucket that
// notifies a queue that does not exist yet, so that every notification is
// still queued, kills nubo with SIGKILL as soon as the uploads are
// answered, creates the queue after a restart and checks that every
// acknowledged upload is notified at least once (after the jobs' 30 s
// lease runs out).
func TestS3NotificationsSurviveKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test: skipped with -short")
	}
	t.Parallel()
	const uploads = 200
	dir := t.TempDir()
	bin := nuboBinary(t)
	addr := testnet.Addr(t)
	p := startProcess(t, bin, filepath.Join(dir, "data"), addr)
	n := &nubo{addr: addr, region: region}
	ctx := context.Background()
	q := n.sqs()
	c := s3Client(n)
	b := createBucket(t, c, "kill9")
	_, err := c.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String(b), SkipDestinationValidation: aws.Bool(true),
		NotificationConfiguration: &s3types.NotificationConfiguration{QueueConfigurations: []s3types.QueueConfiguration{{
			QueueArn: aws.String(queueARN("kill9-events")), Events: []s3types.Event{"s3:ObjectCreated:*"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[string]bool{}
	for w := 0; w < 16; w++ {
		wg.Go(func() {
			for i := w; i < uploads; i += 16 {
				key := fmt.Sprintf("obj-%04d", i)
				if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(key), Body: strings.NewReader(key)}); err == nil {
					mu.Lock()
					acked[key] = true
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	p.kill()
	t.Logf("killed nubo with -9 after %d acknowledged uploads", len(acked))
	startProcess(t, bin, filepath.Join(dir, "data"), addr)
	url := n.createQueue(t, q, "kill9-events", map[string]string{"Policy": allowFrom(queueARN("kill9-events"), "sqs:SendMessage",
		source{"s3.amazonaws.com", "arn:aws:s3:::" + b})})
	seen := map[string]int{}
	deadline := time.Now().Add(2 * time.Minute)
	for len(seen) < len(acked) && time.Now().Before(deadline) {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			var ev struct{ Records []s3Record }
			if json.Unmarshal([]byte(aws.ToString(m.Body)), &ev) == nil && len(ev.Records) == 1 {
				seen[ev.Records[0].S3.Object.Key]++
			}
			q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
		}
	}
	for key := range acked {
		if seen[key] == 0 {
			t.Errorf("no notification for %s, whose upload was acknowledged", key)
		}
	}
	dups := 0
	for _, c := range seen {
		dups += c - 1
	}
	t.Logf("%d uploads acknowledged, %d notified, %d duplicates", len(acked), len(seen), dups)
}
