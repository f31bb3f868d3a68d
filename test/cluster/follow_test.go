package cluster

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

func (h *harness) events(nd *node) *eventbridge.Client {
	return eventbridge.NewFromConfig(h.config(nd))
}
func (h *harness) apigw(nd *node) *apigatewayv2.Client {
	return apigatewayv2.NewFromConfig(h.config(nd))
}

// within polls cond every 50 ms for up to 30 s: the nodes follow each
// other's writes within a moment, which a loaded machine can stretch to
// seconds.
func within(t *testing.T, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// followEveryNode writes EventBridge rules and an HTTP API's routes
// through n1 and uses them through n2 and n3: PutEvents through n2 reaches
// the target of n1's new rule (and no longer once n1 deleted it), and n2
// and n3 serve a route n1 added to an API they had served already, then
// stop serving it once n1 deleted it.
func (f *fixture) followEveryNode(t *testing.T) {
	f.eventRuleEveryNode(t)
	f.apiRouteEveryNode(t)
}

func (f *fixture) eventRuleEveryNode(t *testing.T) {
	ctx := context.Background()
	n1, n2, n3 := f.h.nodes[0], f.h.nodes[1], f.h.nodes[2]
	q := f.createQueue(t, n1, "events-target")
	queueARN := "arn:aws:sqs:us-east-1:" + account + ":events-target"
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},` +
		`"Action":"sqs:SendMessage","Resource":"` + queueARN + `"}]}`
	if _, err := f.h.sqs(n1).SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(q),
		Attributes: map[string]string{"Policy": policy}}); err != nil {
		t.Fatal(err)
	}
	ev := f.h.events(n1)
	if _, err := ev.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("cluster-rule"),
		EventPattern: aws.String(`{"source": ["cluster.test"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ev.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("cluster-rule"),
		Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(queueARN)}}}); err != nil {
		t.Fatal(err)
	}
	// Whichever node takes the events' job matches them: every node must
	// know the rule.
	for _, nd := range f.h.nodes {
		within(t, nd.name+" lists n1's rule's target", func() error {
			out, err := f.h.events(nd).ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("cluster-rule")})
			if err == nil && len(out.Targets) != 1 {
				err = fmt.Errorf("%d targets", len(out.Targets))
			}
			return err
		})
	}
	put := func(detail string) {
		t.Helper()
		out, err := f.h.events(n2).PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
			Source: aws.String("cluster.test"), DetailType: aws.String("t"), Detail: aws.String(detail)}}})
		if err != nil || out.FailedEntryCount != 0 {
			t.Fatalf("PutEvents through n2: %v %+v", err, out)
		}
	}
	put(`{"n": 1}`)
	got, err := f.h.sqs(n3).ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL(n3, "events-target")),
		WaitTimeSeconds: 10, MaxNumberOfMessages: 10})
	if err != nil || len(got.Messages) != 1 {
		t.Fatalf("the event put through n2 reached n1's rule's queue %v times (want 1): %v", got, err)
	}
	if _, err := f.h.sqs(n3).DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL(n3, "events-target")),
		ReceiptHandle: got.Messages[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	if _, err := ev.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String("cluster-rule"), Ids: []string{"q"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ev.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("cluster-rule")}); err != nil {
		t.Fatal(err)
	}
	for _, nd := range f.h.nodes {
		within(t, nd.name+" forgets n1's deleted rule", func() error {
			_, err := f.h.events(nd).DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("cluster-rule")})
			if err == nil {
				return fmt.Errorf("still there")
			}
			return nil
		})
	}
	put(`{"n": 2}`)
	got, err = f.h.sqs(n3).ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL(n3, "events-target")),
		WaitTimeSeconds: 2})
	if err != nil || len(got.Messages) != 0 {
		t.Fatalf("an event put after n1 deleted the rule reached its queue: %v %v", got, err)
	}
	// Deleted, so that the kill that follows has only its own queue to
	// take over.
	if _, err := f.h.sqs(n1).DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(q)}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) apiRouteEveryNode(t *testing.T) {
	ctx := context.Background()
	n1 := f.h.nodes[0]
	c := f.h.apigw(n1)
	fn := "arn:aws:lambda:us-east-1:" + account + ":function:rec"
	api, err := c.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("cluster-api"), ProtocolType: agtypes.ProtocolTypeHttp,
		RouteKey: aws.String("GET /one"), Target: aws.String(fn)})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(api.ApiId)
	if _, err := f.h.lambda(n1).AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("rec"),
		StatementId: aws.String("cluster-api"), Action: aws.String("lambda:InvokeFunction"),
		Principal: aws.String("apigateway.amazonaws.com"), SourceArn: aws.String("arn:aws:execute-api:us-east-1:" + account + ":" + id + "/*")}); err != nil {
		t.Fatal(err)
	}
	status := func(nd *node, path string) (int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+nd.addr()+path, nil)
		if err != nil {
			return 0, err
		}
		req.Host = id + ".execute-api.us-east-1.localhost"
		resp, err := f.h.http.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	serves := func(nd *node, path string, want int) func() error {
		return func() error {
			code, err := status(nd, path)
			if err == nil && code != want {
				err = fmt.Errorf("GET %s: %d, want %d", path, code, want)
			}
			return err
		}
	}
	others := f.h.nodes[1:]
	for _, nd := range others { // read and cached before the change
		within(t, nd.name+" serves n1's API", serves(nd, "/one", http.StatusOK))
	}
	integs, err := c.GetIntegrations(ctx, &apigatewayv2.GetIntegrationsInput{ApiId: api.ApiId})
	if err != nil || len(integs.Items) != 1 {
		t.Fatalf("GetIntegrations: %v %v", integs, err)
	}
	route, err := c.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("GET /two"),
		Target: aws.String("integrations/" + aws.ToString(integs.Items[0].IntegrationId))})
	if err != nil {
		t.Fatal(err)
	}
	for _, nd := range others {
		within(t, nd.name+" serves n1's new route", serves(nd, "/two", http.StatusOK))
	}
	if _, err := c.DeleteRoute(ctx, &apigatewayv2.DeleteRouteInput{ApiId: api.ApiId, RouteId: route.RouteId}); err != nil {
		t.Fatal(err)
	}
	for _, nd := range others {
		within(t, nd.name+" stops serving n1's deleted route", serves(nd, "/two", http.StatusNotFound))
	}
}
