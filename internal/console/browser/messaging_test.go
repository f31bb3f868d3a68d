package browser_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/chromedp/chromedp"
)

func testQueues(t *testing.T, n *nubo, b *browser) {
	ctx := context.Background()
	if _, err := sqs.NewFromConfig(n.cfg).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("console-jobs")}); err != nil {
		t.Fatal(err)
	}
	b.visit(t, "/queues", `a[href="/_nubo/console/queues/console-jobs"]`)
	b.run(t, click(`a[href="/_nubo/console/queues/console-jobs"]`), visible("dl.props"),
		chromedp.Click(`//button[text()="Send"]`), textIn(".result", "Sent message"))
	b.run(t, chromedp.Click(`//button[text()="Peek"]`), textIn(".result table", `"hello": "world"`))
	b.shot(t, "queue")
	b.run(t, chromedp.Click(`//button[text()="Purge"]`), chromedp.Click(`//button[text()="Yes, purge"]`), textIn(".result", "Purged."))
	b.run(t, chromedp.Click(`//button[text()="Peek"]`), textIn(".result", "No message was available."))
	b.clean(t)
}

func testTopics(t *testing.T, n *nubo, b *browser) {
	ctx := context.Background()
	topic, err := sns.NewFromConfig(n.cfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("console-news")})
	if err != nil {
		t.Fatal(err)
	}
	// As on AWS, the queue's policy lets the topic deliver.
	queue := "arn:aws:sqs:us-east-1:000000000000:console-jobs"
	policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},`+
		`"Action":"sqs:SendMessage","Resource":%q,"Condition":{"ArnEquals":{"aws:SourceArn":%q}}}]}`, queue, *topic.TopicArn)
	_, err = sqs.NewFromConfig(n.cfg).SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{
		QueueUrl: aws.String("http://" + n.addr + "/000000000000/console-jobs"), Attributes: map[string]string{"Policy": policy}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = sns.NewFromConfig(n.cfg).Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
		Endpoint: aws.String(queue), Attributes: map[string]string{"RawMessageDelivery": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	b.visit(t, "/topics", `a[href="/_nubo/console/topics/`+urlEncode(*topic.TopicArn)+`"]`)
	b.run(t, click(`a[href="/_nubo/console/topics/`+urlEncode(*topic.TopicArn)+`"]`), textIn("main table", "console-jobs"),
		chromedp.Click(`//button[text()="Publish"]`), textIn(".result", "Published message"))
	b.shot(t, "topic")
	// The message reached the subscribed queue: seen from the queue's page.
	b.run(t, click(`table a[href="/_nubo/console/queues/console-jobs"]`), visible("dl.props"),
		chromedp.Click(`//button[text()="Peek"]`), textIn(".result table", "Hello from the console"))
	b.clean(t)
}
