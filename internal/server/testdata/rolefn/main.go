// Command rolefn is a test function that calls nubo's API with what Lambda
// gives every function: its role's credentials (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and AWS_ENDPOINT_URL. It tries
// the calls its event names and answers, for each, "ok" or the AWS error
// code it got.
package main

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"
)

// event names the resources to try: the function's own queue, another
// queue, another function and a topic.
type event struct {
	Queue, Other, Function, Topic string
}

func config() aws.Config {
	return aws.Config{
		Region:       os.Getenv("AWS_REGION"),
		Credentials:  credentials.NewStaticCredentialsProvider(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")),
		BaseEndpoint: aws.String(os.Getenv("AWS_ENDPOINT_URL")),
	}
}

func outcome(err error) string {
	var ae smithy.APIError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &ae):
		return ae.ErrorCode()
	}
	return err.Error()
}

func handle(ctx context.Context, ev event) (map[string]string, error) {
	q, fn, topics := sqs.NewFromConfig(config()), awslambda.NewFromConfig(config()), sns.NewFromConfig(config())
	_, send := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &ev.Queue, MessageBody: aws.String("from rolefn")})
	_, receive := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &ev.Queue})
	_, other := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &ev.Other, MessageBody: aws.String("from rolefn")})
	_, getConfig := fn.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: &ev.Function})
	_, remove := fn.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: &ev.Function})
	_, subscribe := topics.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &ev.Topic, Protocol: aws.String("http"), Endpoint: aws.String("http://192.0.2.1/steal")})
	return map[string]string{"send": outcome(send), "receive": outcome(receive), "other": outcome(other),
		"config": outcome(getConfig), "delete": outcome(remove), "subscribe": outcome(subscribe)}, nil
}

func main() { lambda.Start(handle) }
