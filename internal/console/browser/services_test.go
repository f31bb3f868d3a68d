package browser_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	stypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/chromedp/chromedp"
)

const functionArn = "arn:aws:lambda:us-east-1:000000000000:function:hello-console"

func testEventBuses(t *testing.T, n *nubo, b *browser) {
	ctx := context.Background()
	c := eventbridge.NewFromConfig(n.cfg)
	for name, pattern := range map[string]string{"to-console": `{"source":["console.test"]}`, "elsewhere": `{"source":["elsewhere"]}`} {
		if _, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(name), EventPattern: aws.String(pattern)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("to-console"),
		Targets: []ebtypes.Target{{Id: aws.String("fn"), Arn: aws.String(functionArn)}}})
	if err != nil {
		t.Fatal(err)
	}
	b.visit(t, "/buses", `a[href="/_nubo/console/buses/default"]`)
	b.run(t, click(`a[href="/_nubo/console/buses/default"]`), textIn("main table", "elsewhere"),
		textIn("main table", "arn:aws:lambda:us-east-1:000000000000:function:hello-console"),
		chromedp.Click(`//button[text()="Send"]`), textIn(".result", "Sent event"), textIn(".result", "It matches to-console."))
	b.shot(t, "bus")
	b.clean(t)
}

func testSchedules(t *testing.T, n *nubo, b *browser) {
	_, err := scheduler.NewFromConfig(n.cfg).CreateSchedule(context.Background(), &scheduler.CreateScheduleInput{
		Name: aws.String("nightly"), ScheduleExpression: aws.String("cron(0 3 * * ? *)"), ScheduleExpressionTimezone: aws.String("Europe/Paris"),
		FlexibleTimeWindow: &stypes.FlexibleTimeWindow{Mode: stypes.FlexibleTimeWindowModeOff},
		Target: &stypes.Target{Arn: aws.String("arn:aws:sqs:us-east-1:000000000000:console-jobs"),
			RoleArn: aws.String("arn:aws:iam::000000000000:role/console"), Input: aws.String(`{"nightly": true}`)}})
	if err != nil {
		t.Fatal(err)
	}
	b.visit(t, "/schedules", `a[href="/_nubo/console/schedules/default/nightly"]`)
	b.run(t, click(`a[href="/_nubo/console/schedules/default/nightly"]`), textIn("main dl", "cron(0 3 * * ? *)"),
		textIn("main dl", "Europe/Paris"), visible(`main a[href="/_nubo/console/queues/console-jobs"]`), textIn("pre.code", `"nightly": true`))
	b.shot(t, "schedule")
	b.clean(t)
}

func testAPIs(t *testing.T, n *nubo, b *browser) {
	ctx := context.Background()
	c := apigatewayv2.NewFromConfig(n.cfg)
	api, err := c.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("console-api"), ProtocolType: agtypes.ProtocolTypeHttp,
		Target: aws.String(functionArn)})
	if err != nil {
		t.Fatal(err)
	}
	routes, err := c.GetRoutes(ctx, &apigatewayv2.GetRoutesInput{ApiId: api.ApiId})
	if err != nil || len(routes.Items) != 1 {
		t.Fatalf("the quick-created API's routes: %v, %v", routes, err)
	}
	_, err = c.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("GET /items/{id}"), Target: routes.Items[0].Target})
	if err != nil {
		t.Fatal(err)
	}
	_, err = lambda.NewFromConfig(n.cfg).CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("hello-console"),
		AuthType: ltypes.FunctionUrlAuthTypeAwsIam})
	if err != nil {
		t.Fatal(err)
	}
	link := `a[href="/_nubo/console/apis/` + *api.ApiId + `"]`
	b.visit(t, "/apis", link)
	b.run(t, click(link), textIn("main table", "GET /items/{id}"), textIn("main table", "$default"),
		visible(`main table a[href="`+*api.ApiEndpoint+`/"]`), textIn("main table", *api.ApiEndpoint+"/items/{id}"),
		visible(`main table a[href="/_nubo/console/functions/hello-console"]`))
	b.shot(t, "api")
	// The function's page lists what invokes it, from every service.
	b.visit(t, "/functions/hello-console", `section[aria-labelledby="s-triggers"] table`)
	triggers := value(t, b, chromedp.Text(chromedp.CSS(`section[aria-labelledby="s-triggers"] table`)))
	for _, want := range []string{"Function URL", "lambda-url", "API route", "GET /items/{id}", "EventBridge rule", "default / to-console"} {
		if !strings.Contains(triggers, want) {
			t.Errorf("the function's triggers lack %q:\n%s", want, triggers)
		}
	}
	b.clean(t)
}
