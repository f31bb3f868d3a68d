package server_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	stypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/nubo-dev/nubo/internal/server"
)

// snsClient is an SDK client (query protocol) pointed at n.
func (n *nubo) sns() *sns.Client {
	return sns.NewFromConfig(aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://" + n.addr),
	})
}

func topicARN(name string) string { return "arn:aws:sns:" + region + ":" + account + ":" + name }

// fromTopic is the policy a queue needs, as on AWS, for SNS to deliver a
// topic's messages to it.
func fromTopic(queue, topic string, attrs map[string]string) map[string]string {
	out := map[string]string{"Policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},` +
		`"Action":"sqs:SendMessage","Resource":"` + queueARN(queue) + `","Condition":{"ArnEquals":{"aws:SourceArn":"` + topic + `"}}}]}`}
	for k, v := range attrs {
		out[k] = v
	}
	return out
}

// envelopeOf receives one message from a queue and decodes it as an SNS
// envelope.
func receiveOne(t *testing.T, q *sqs.Client, url string) types.Message {
	t.Helper()
	// Long polls until one brings the message, for 30 s: its delivery can
	// take longer than one on a loaded machine.
	deadline := time.Now().Add(30 * time.Second)
	out, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 5,
		MessageAttributeNames: []string{"All"}})
	for err == nil && len(out.Messages) == 0 && time.Now().Before(deadline) {
		out, err = q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 5,
			MessageAttributeNames: []string{"All"}})
	}
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("receive from %s: %+v %v", url, out, err)
	}
	q.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: out.Messages[0].ReceiptHandle})
	return out.Messages[0]
}

// verifySignature checks an envelope's SignatureVersion 1 signature with
// the certificate its SigningCertURL serves.
func verifySignature(t *testing.T, env map[string]any) {
	t.Helper()
	resp, err := http.Get(env["SigningCertURL"].(string))
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		t.Fatalf("no certificate at %s", env["SigningCertURL"])
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
	if env["Type"] != "Notification" {
		keys = []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
	}
	var b strings.Builder
	for _, k := range keys {
		if v, ok := env[k].(string); ok {
			b.WriteString(k + "\n" + v + "\n")
		}
	}
	sig, _ := base64.StdEncoding.DecodeString(env["Signature"].(string))
	sum := sha1.Sum([]byte(b.String()))
	if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA1, sum[:], sig); err != nil {
		t.Errorf("signature does not verify: %v", err)
	}
}

func TestSNSTopicsAndQueues(t *testing.T) {
	ctx := context.Background()
	n := startNubo(t, "")
	c, q := n.sns(), n.sqs()
	arn := topicARN("events")
	out, err := c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("events"), Attributes: map[string]string{"DisplayName": "Events"},
		Tags: []stypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}}})
	if err != nil || aws.ToString(out.TopicArn) != arn {
		t.Fatalf("CreateTopic: %+v %v", out, err)
	}
	if _, err := c.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: &arn, AttributeName: aws.String("DisplayName"), AttributeValue: aws.String("E")}); err != nil {
		t.Fatal(err)
	}
	attrs, err := c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
	if err != nil || attrs.Attributes["DisplayName"] != "E" || attrs.Attributes["TopicArn"] != arn || attrs.Attributes["Owner"] != account {
		t.Fatalf("GetTopicAttributes: %+v %v", attrs, err)
	}
	_, err = c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topicARN("nope"))})
	checkError(t, err, apiError{code: "NotFound", status: 404, message: "Topic does not exist"})
	isErr[*stypes.NotFoundException](t, err)
	tags, err := c.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: &arn})
	if err != nil || len(tags.Tags) != 1 {
		t.Fatalf("tags: %+v %v", tags, err)
	}
	c.TagResource(ctx, &sns.TagResourceInput{ResourceArn: &arn, Tags: []stypes.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}})
	c.UntagResource(ctx, &sns.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{"team"}})
	if tags, _ := c.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: &arn}); len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" {
		t.Fatalf("tags after changes: %+v", tags.Tags)
	}

	plainURL := n.createQueue(t, q, "plain", fromTopic("plain", arn, nil))
	rawURL := n.createQueue(t, q, "raw", fromTopic("raw", arn, nil))
	bodyURL := n.createQueue(t, q, "body-filtered", fromTopic("body-filtered", arn, nil))
	sub := func(queue string, attrs map[string]string) string {
		out, err := c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN(queue)),
			Attributes: attrs, ReturnSubscriptionArn: true})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.SubscriptionArn)
	}
	plainSub := sub("plain", map[string]string{"FilterPolicy": `{"colour":["blue","green"],"size":[{"numeric":[">",10]}]}`})
	sub("raw", map[string]string{"RawMessageDelivery": "true"})
	sub("body-filtered", map[string]string{"FilterPolicyScope": "MessageBody", "FilterPolicy": `{"order":{"status":[{"prefix":"ship"}]}}`})
	_, err = c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("smtp"), Endpoint: aws.String("x")})
	checkError(t, err, apiError{code: "InvalidParameter", status: 400, message: "Invalid parameter: Amazon SNS does not support this protocol string: smtp"})

	pub := func(msg string, attrs map[string]stypes.MessageAttributeValue) {
		if _, err := c.Publish(ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String(msg), Subject: aws.String("Hi"), MessageAttributes: attrs}); err != nil {
			t.Fatal(err)
		}
	}
	pub(`{"order":{"status":"shipped"}}`, map[string]stypes.MessageAttributeValue{
		"colour": {DataType: aws.String("String"), StringValue: aws.String("blue")},
		"size":   {DataType: aws.String("Number"), StringValue: aws.String("12")},
	})
	pub(`{"order":{"status":"new"}}`, map[string]stypes.MessageAttributeValue{
		"colour": {DataType: aws.String("String"), StringValue: aws.String("red")},
	})

	m := receiveOne(t, q, plainURL)
	var env map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &env); err != nil {
		t.Fatal(err)
	}
	if env["Type"] != "Notification" || env["TopicArn"] != arn || env["Subject"] != "Hi" || env["Message"] != `{"order":{"status":"shipped"}}` ||
		env["SignatureVersion"] != "1" || !strings.Contains(env["UnsubscribeURL"].(string), "SubscriptionArn=") {
		t.Errorf("envelope: %v", env)
	}
	if a, _ := env["MessageAttributes"].(map[string]any)["size"].(map[string]any); a["Type"] != "Number" || a["Value"] != "12" {
		t.Errorf("envelope attributes: %v", env["MessageAttributes"])
	}
	verifySignature(t, env)
	if out, _ := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &plainURL, WaitTimeSeconds: 1}); len(out.Messages) != 0 {
		t.Errorf("the filter policy let through %s", aws.ToString(out.Messages[0].Body))
	}
	raw1, raw2 := receiveOne(t, q, rawURL), receiveOne(t, q, rawURL)
	if !strings.HasPrefix(aws.ToString(raw1.Body), `{"order"`) || raw1.MessageAttributes["colour"].StringValue == nil || aws.ToString(raw2.Body) == "" {
		t.Errorf("raw delivery: %+v / %+v", raw1, raw2)
	}
	if m := receiveOne(t, q, bodyURL); !strings.Contains(aws.ToString(m.Body), "shipped") {
		t.Errorf("body filter let through %s", aws.ToString(m.Body))
	}

	// MessageStructure json: the sqs entry for queues.
	if _, err := c.Publish(ctx, &sns.PublishInput{TopicArn: &arn, MessageStructure: aws.String("json"),
		Message: aws.String(`{"default":"d","sqs":"for queues"}`)}); err != nil {
		t.Fatal(err)
	}
	if m := receiveOne(t, q, rawURL); aws.ToString(m.Body) != "for queues" {
		t.Errorf("MessageStructure json: %s", aws.ToString(m.Body))
	}
	_, err = c.Publish(ctx, &sns.PublishInput{TopicArn: &arn, MessageStructure: aws.String("json"), Message: aws.String(`{"sqs":"x"}`)})
	checkError(t, err, apiError{code: "InvalidParameter", status: 400, message: "Invalid parameter: Message Structure - No default entry in JSON message body"})
	batch, err := c.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: &arn, PublishBatchRequestEntries: []stypes.PublishBatchRequestEntry{
		{Id: aws.String("a"), Message: aws.String("one")}, {Id: aws.String("b"), Message: aws.String("")}}})
	if err != nil || len(batch.Successful) != 1 || len(batch.Failed) != 1 || aws.ToString(batch.Failed[0].Id) != "b" {
		t.Fatalf("PublishBatch: %+v %v", batch, err)
	}
	if m := receiveOne(t, q, rawURL); aws.ToString(m.Body) != "one" {
		t.Errorf("batch delivery: %s", aws.ToString(m.Body))
	}

	subs, err := c.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: &arn})
	if err != nil || len(subs.Subscriptions) != 3 {
		t.Fatalf("ListSubscriptionsByTopic: %+v %v", subs, err)
	}
	sa, err := c.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: &plainSub})
	if err != nil || sa.Attributes["Protocol"] != "sqs" || sa.Attributes["FilterPolicy"] == "" {
		t.Fatalf("GetSubscriptionAttributes: %+v %v", sa, err)
	}
	if _, err := c.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: &plainSub}); err != nil {
		t.Fatal(err)
	}
	if all, _ := c.ListSubscriptions(ctx, &sns.ListSubscriptionsInput{}); len(all.Subscriptions) != 2 {
		t.Fatalf("after Unsubscribe: %+v", all.Subscriptions)
	}
	topics, err := c.ListTopics(ctx, &sns.ListTopicsInput{})
	if err != nil || len(topics.Topics) != 1 {
		t.Fatalf("ListTopics: %+v %v", topics, err)
	}
	if _, err := c.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: &arn}); err != nil {
		t.Fatal(err)
	}
}

func TestSNSFIFO(t *testing.T) {
	ctx := context.Background()
	n := startNubo(t, "")
	c, q := n.sns(), n.sqs()
	arn := topicARN("orders.fifo")
	if _, err := c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("orders.fifo"), Attributes: map[string]string{"FifoTopic": "true", "ContentBasedDeduplication": "true"}}); err != nil {
		t.Fatal(err)
	}
	url := n.createQueue(t, q, "orders.fifo", fromTopic("orders.fifo", arn, map[string]string{"FifoQueue": "true"}))
	c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN("orders.fifo")),
		Attributes: map[string]string{"RawMessageDelivery": "true"}})
	first, err := c.Publish(ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("m1"), MessageGroupId: aws.String("g")})
	if err != nil || aws.ToString(first.SequenceNumber) == "" {
		t.Fatalf("publish: %+v %v", first, err)
	}
	dup, _ := c.Publish(ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("m1"), MessageGroupId: aws.String("g")})
	if aws.ToString(dup.MessageId) != aws.ToString(first.MessageId) {
		t.Errorf("duplicate got a new id")
	}
	c.Publish(ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("m2"), MessageGroupId: aws.String("g")})
	_, err = c.Publish(ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("m3")})
	checkError(t, err, apiError{code: "InvalidParameter", status: 400, message: "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"})
	out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, WaitTimeSeconds: 2,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"MessageGroupId"}})
	if err != nil || len(out.Messages) != 2 || aws.ToString(out.Messages[0].Body) != "m1" || out.Messages[0].Attributes["MessageGroupId"] != "g" {
		t.Fatalf("FIFO delivery: %+v %v", out, err)
	}
}

// TestSNSHTTP runs the confirmation flow against a local endpoint, then
// deliveries with retries and a dead-letter queue.
func TestSNSHTTP(t *testing.T) {
	ctx := context.Background()
	n := startNuboWith(t, "", func(cfg *server.Config) { cfg.SNSRetryDelay = 100 * time.Millisecond })
	c, q := n.sns(), n.sqs()
	arn := topicARN("web")
	c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("web")})
	type delivery struct {
		header http.Header
		body   map[string]any
	}
	got := make(chan delivery, 100)
	var fail atomic.Int32
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &body)
		// The answer is decided before the test sees the delivery: the
		// test sets fail for the deliveries after the one it saw.
		failed := false
		for v := fail.Load(); v > 0 && !failed; v = fail.Load() {
			failed = fail.CompareAndSwap(v, v-1)
		}
		got <- delivery{r.Header, body}
		if failed {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer ep.Close()
	dlqURL := n.createQueue(t, q, "web-dlq", fromTopic("web-dlq", arn, nil))
	out, err := c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("http"), Endpoint: aws.String(ep.URL + "/hook"),
		Attributes: map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + queueARN("web-dlq") + `"}`}})
	if err != nil || aws.ToString(out.SubscriptionArn) != "pending confirmation" {
		t.Fatalf("Subscribe: %+v %v", out, err)
	}
	wait := func() delivery {
		t.Helper()
		select {
		case d := <-got:
			return d
		case <-time.After(10 * time.Second):
			t.Fatal("no delivery")
		}
		return delivery{}
	}
	conf := wait()
	if conf.header.Get("x-amz-sns-message-type") != "SubscriptionConfirmation" || conf.body["Token"] == "" || conf.body["SubscribeURL"] == "" {
		t.Fatalf("confirmation: %v %v", conf.header, conf.body)
	}
	verifySignature(t, conf.body)
	// Visiting the SubscribeURL confirms, as it does on AWS.
	resp, err := http.Get(conf.body["SubscribeURL"].(string))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("SubscribeURL: %v %v", resp, err)
	}
	resp.Body.Close()
	subs, _ := c.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: &arn})
	if len(subs.Subscriptions) != 1 || !strings.HasPrefix(aws.ToString(subs.Subscriptions[0].SubscriptionArn), arn+":") {
		t.Fatalf("after confirmation: %+v", subs.Subscriptions)
	}
	// ConfirmSubscription with the token returns the same ARN.
	confirmed, err := c.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: &arn, Token: aws.String(conf.body["Token"].(string))})
	if err != nil || aws.ToString(confirmed.SubscriptionArn) != aws.ToString(subs.Subscriptions[0].SubscriptionArn) {
		t.Fatalf("ConfirmSubscription: %+v %v", confirmed, err)
	}

	fail.Store(1) // one failure, then the retry succeeds
	c.Publish(ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("hello web")})
	first, retry := wait(), wait()
	if first.header.Get("x-amz-sns-message-type") != "Notification" || retry.body["Message"] != "hello web" ||
		retry.header.Get("x-amz-sns-subscription-arn") != aws.ToString(confirmed.SubscriptionArn) {
		t.Fatalf("notification: %v %v", retry.header, retry.body)
	}
	verifySignature(t, retry.body)

	fail.Store(100) // every attempt fails: 1 + 3 retries, then the dead-letter queue
	c.Publish(ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("doomed")})
	for i := 0; i < 4; i++ {
		wait()
	}
	dead := receiveOne(t, q, dlqURL)
	if !strings.Contains(aws.ToString(dead.Body), "doomed") {
		t.Fatalf("dead letter: %s", aws.ToString(dead.Body))
	}
	select {
	case d := <-got:
		t.Fatalf("a fifth attempt: %v", d.body)
	case <-time.After(300 * time.Millisecond):
	}
}

func TestSNSLambda(t *testing.T) {
	ctx := context.Background()
	n := startNubo(t, "")
	c := n.sns()
	s := newSink(t)
	n.createSQSFunction(t, "on-topic", s)
	arn := topicARN("to-fn")
	c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("to-fn")})
	_, err := n.client.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("on-topic"), StatementId: aws.String("sns"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("sns.amazonaws.com"), SourceArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("lambda"), Endpoint: aws.String(fnARN("on-topic"))})
	if err != nil {
		t.Fatal(err)
	}
	c.Publish(ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("to the function"),
		MessageAttributes: map[string]stypes.MessageAttributeValue{"k": {DataType: aws.String("String"), StringValue: aws.String("v")}}})
	select {
	case b := <-s.events:
		var ev struct {
			Records []struct {
				EventSource, EventVersion, EventSubscriptionArn string
				Sns                                             map[string]any
			}
		}
		if err := json.Unmarshal(b, &ev); err != nil || len(ev.Records) != 1 {
			t.Fatalf("event %s: %v", b, err)
		}
		r := ev.Records[0]
		if r.EventSource != "aws:sns" || r.EventVersion != "1.0" || r.EventSubscriptionArn != aws.ToString(sub.SubscriptionArn) ||
			r.Sns["Message"] != "to the function" || r.Sns["TopicArn"] != arn || r.Sns["Type"] != "Notification" ||
			r.Sns["SigningCertUrl"] == nil || r.Sns["UnsubscribeUrl"] == nil || r.Sns["Subject"] != nil {
			t.Errorf("record: %+v", r)
		}
		if a, _ := r.Sns["MessageAttributes"].(map[string]any)["k"].(map[string]any); a["Type"] != "String" || a["Value"] != "v" {
			t.Errorf("attributes: %v", r.Sns["MessageAttributes"])
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the function was not invoked")
	}
}
